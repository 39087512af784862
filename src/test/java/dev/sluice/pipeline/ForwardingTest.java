package dev.sluice.pipeline;

import static dev.sluice.testing.Api.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.nullValue;

import dev.sluice.testing.Api;
import dev.sluice.testing.Backends;
import dev.sluice.testing.InjectBackends;
import dev.sluice.testing.ProxyProfile;
import dev.sluice.testing.Replies;
import dev.sluice.testing.TestBackend;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Forwarding (contract §1): what goes upstream, what comes back, and the proxy's own 404/405/415. */
@QuarkusTest
@TestProfile(ProxyProfile.class)
class ForwardingTest {

    @InjectBackends
    Backends backends;

    @BeforeEach
    void reset() {
        backends.resetAll();
    }

    @Test
    void forwardsTheBodyByteForByteWithOnlyTheModelValueReplaced() {
        // given a body with odd spacing, unicode and unknown fields
        String body = "{ \"model\" :  \"chat\",\n\t\"messages\":[{\"role\":\"user\",\"content\":\"h\\u00e9llo \\\"x\\\" é\"}],"
                + " \"x_extra\": {\"model\": \"chat\"}, \"temperature\": 1.50 }";

        // when
        given().header("authorization", "Bearer " + ProxyProfile.KEY).contentType(ContentType.JSON)
                .body(body.getBytes(StandardCharsets.UTF_8))
                .post("/v1/chat/completions")
                .then().statusCode(200).body("id", equalTo("chatcmpl-1"));

        // then only the top-level model value changed
        TestBackend backend = backends.servedBy("a", "b");
        String expected = body.replaceFirst("\"chat\"", "\"upstream/chat-1\"");
        assertThat(backend.last().body().getBytes()).isEqualTo(expected.getBytes(StandardCharsets.UTF_8));
        assertThat(backend.last().uri()).isEqualTo("/v1/chat/completions");
    }

    @Test
    void relaysTheBackendsOwnReasonPhraseAndTheStandardOneOtherwise() {
        backends.get("c").reply((request, received, response) -> response.setStatusCode(200)
                .setStatusMessage("Fine Indeed").putHeader("content-type", "application/json").end("{}"));
        Response custom = given().header("authorization", "Bearer " + ProxyProfile.KEY)
                .body("{\"model\":\"prefixed\",\"messages\":[]}").post("/v1/chat/completions");
        assertThat(custom.statusCode()).isEqualTo(200);
        assertThat(custom.statusLine()).isEqualTo("HTTP/1.1 200 Fine Indeed");

        backends.get("c").reply(Replies.json(200, "{}"));
        Response standard = given().header("authorization", "Bearer " + ProxyProfile.KEY)
                .body("{\"model\":\"prefixed\",\"messages\":[]}").post("/v1/chat/completions");
        assertThat(standard.statusLine()).isEqualTo("HTTP/1.1 200 OK");
    }

    @Test
    void appendsTheClientPathAndQueryToTheBackendBaseUrl() {
        given().header("authorization", "Bearer " + ProxyProfile.KEY)
                .body("{\"model\":\"prefixed\",\"messages\":[]}")
                .post("/v1/chat/completions?api-version=2024-10-01&x=1")
                .then().statusCode(200);

        assertThat(backends.get("c").last().uri()).isEqualTo("/gw/openai/v1/chat/completions?api-version=2024-10-01&x=1");
        assertThat(backends.get("c").last().bodyText()).isEqualTo("{\"model\":\"prefixed\",\"messages\":[]}");
    }

    @Test
    void neverForwardsClientCredentialsAndSendsTheBackendKeyInItsProtocolsHeader() {
        given().header("authorization", "Bearer " + ProxyProfile.KEY).header("x-api-key", "client-other")
                .body("{\"model\":\"prefixed\",\"input\":\"hi\"}").post("/v1/embeddings").then().statusCode(200);
        TestBackend.Received openai = backends.get("c").last();
        assertThat(openai.header("authorization")).isEqualTo("Bearer backend-secret-c");
        assertThat(openai.header("x-api-key")).isNull();

        backends.get("d").reply(Replies.json(200, "{\"type\":\"message\"}"));
        given().header("x-api-key", ProxyProfile.KEY).header("anthropic-version", "2023-06-01")
                .body("{\"model\":\"claude\",\"max_tokens\":5,\"messages\":[]}").post("/v1/messages")
                .then().statusCode(200);
        TestBackend.Received anthropic = backends.get("d").last();
        assertThat(anthropic.header("x-api-key")).isEqualTo("backend-secret-d");
        assertThat(anthropic.header("authorization")).isNull();
        assertThat(anthropic.header("anthropic-version")).isEqualTo("2023-06-01");
    }

    @Test
    void dropsHopByHopHeadersBothWaysAndRelaysTheRest() {
        backends.get("c").reply(Replies.status(200, "{}", "x-backend", "yes", "connection", "x-backend-hop",
                "x-backend-hop", "drop", "keep-alive", "timeout=5", "x-request-id", "backend-id"));

        Response response = given().header("authorization", "Bearer " + ProxyProfile.KEY)
                .header("connection", "keep-alive, x-client-hop").header("x-client-hop", "drop")
                .header("keep-alive", "timeout=5").header("te", "trailers").header("proxy-authorization", "Basic x")
                .header("x-custom", "kept").header("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
                .body("{\"model\":\"prefixed\",\"prompt\":\"hi\"}").post("/v1/completions");

        response.then().statusCode(200).header("x-backend", "yes").header("x-backend-hop", nullValue())
                .header("keep-alive", nullValue()).header("x-request-id", matchesPattern("^req_[0-9a-f]{12}$"));
        TestBackend.Received received = backends.get("c").last();
        assertThat(received.header("x-client-hop")).isNull();
        assertThat(received.header("keep-alive")).isNull();
        assertThat(received.header("te")).isNull();
        assertThat(received.header("proxy-authorization")).isNull();
        assertThat(received.header("x-custom")).isEqualTo("kept");
        assertThat(received.header("traceparent")).startsWith("00-0af7651916cd43dd");
        assertThat(received.header("x-request-id")).isEqualTo(response.header("x-request-id"));
    }

    @Test
    void readsFormEncodedBodiesAsJsonAndSendsThemAsJson() {
        given().header("authorization", "Bearer " + ProxyProfile.KEY).contentType("application/x-www-form-urlencoded")
                .body("{\"model\":\"prefixed\"}").post("/v1/responses").then().statusCode(200);

        assertThat(backends.get("c").last().header("content-type")).isEqualTo("application/json");
        assertThat(backends.get("c").last().uri()).isEqualTo("/gw/openai/v1/responses");
    }

    @Test
    void acceptsJsonMediaTypesWithParametersAndSuffixes() {
        for (String type : new String[] {"application/json; charset=utf-8", "Application/JSON", "application/vnd.x+json"}) {
            given().header("authorization", "Bearer " + ProxyProfile.KEY).header("content-type", type)
                    .body("{\"model\":\"prefixed\",\"messages\":[]}".getBytes(StandardCharsets.UTF_8)).post("/v1/chat/completions")
                    .then().statusCode(200);
        }
    }

    @Test
    void refusesOtherMediaTypesWith415BeforeAnyBackendIsCalled() {
        given().header("authorization", "Bearer " + ProxyProfile.KEY).contentType("text/plain")
                .body("{\"model\":\"chat\"}").post("/v1/chat/completions")
                .then().statusCode(415).contentType("application/json")
                .body("error.type", equalTo("invalid_request_error"))
                .body("error.code", equalTo("unsupported_media_type"))
                .body("error.origin", equalTo("router"));
        assertThat(backends.get("a").requestCount() + backends.get("b").requestCount()).isZero();
    }

    @Test
    void refusesACodedBodyWith415BeforeAnyBackendIsCalled() throws Exception {
        java.io.ByteArrayOutputStream gzipped = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gzip = new java.util.zip.GZIPOutputStream(gzipped)) {
            gzip.write(Api.chat("chat").getBytes(StandardCharsets.UTF_8));
        }
        // a gzipped body (refused as broken JSON before), and a plain one labelled gzip (forwarded labelled so)
        for (byte[] body : List.of(gzipped.toByteArray(), Api.chat("chat").getBytes(StandardCharsets.UTF_8))) {
            given().header("authorization", "Bearer " + ProxyProfile.KEY).contentType("application/json")
                    .header("content-encoding", "gzip").body(body).post("/v1/chat/completions")
                    .then().statusCode(415).body("error.code", equalTo("unsupported_media_type"))
                    .body("error.message", containsString("content-encoding"));
        }
        assertThat(backends.get("a").requestCount() + backends.get("b").requestCount()).isZero();
        // identity is no coding
        given().header("authorization", "Bearer " + ProxyProfile.KEY).contentType("application/json")
                .header("content-encoding", "identity").body(Api.chat("chat")).post("/v1/chat/completions")
                .then().statusCode(200);
    }

    @Test
    void answersUnknownPathsWith404AndWrongMethodsWith405() {
        given().header("authorization", "Bearer " + ProxyProfile.KEY).get("/v1/nothing/here")
                .then().statusCode(404).body("error.code", equalTo("not_found"))
                .body("error.type", equalTo("invalid_request_error")).body("error.param", nullValue())
                .header("x-request-id", matchesPattern("^req_[0-9a-f]{12}$"));
        given().header("authorization", "Bearer " + ProxyProfile.KEY).get("/v1/chat/completions")
                .then().statusCode(405).body("error.code", equalTo("method_not_allowed")).header("allow", "POST");
        given().post("/v1/models").then().statusCode(405).body("error.code", equalTo("method_not_allowed"));
        // Anthropic paths answer in the Anthropic envelope
        given().post("/v1/messages/batches").then().statusCode(404)
                .body("type", equalTo("error")).body("error.code", equalTo("not_found"));
    }

    @Test
    void listsTheModelsTheKeyMayUse() {
        given().header("authorization", "Bearer " + ProxyProfile.KEY).get("/v1/models")
                .then().statusCode(200).body("object", equalTo("list"))
                .body("data.id", org.hamcrest.Matchers.hasItems("chat", "prefixed", "claude", "primary"))
                .body("data[0].object", equalTo("model")).body("data[0].owned_by", equalTo("sluice"));
        List<String> listed = given().header("authorization", "Bearer " + ProxyProfile.KEY).get("/v1/models")
                .jsonPath().getList("data.id");
        assertThat(listed).isSorted();
        given().header("authorization", "Bearer " + ProxyProfile.LIMITED_KEY).get("/v1/models")
                .then().statusCode(200).body("data.id", org.hamcrest.Matchers.contains("chat"));
        given().header("x-api-key", ProxyProfile.ANTHROPIC_ONLY_KEY).get("/v1/models")
                .then().statusCode(403).body("error.code", equalTo("http_403"))
                .body("error.type", equalTo("permission_error"));
    }

    @Test
    void rejectsMissingAndUnknownKeys() {
        given().body("{\"model\":\"chat\"}").post("/v1/chat/completions")
                .then().statusCode(401).body("error.type", equalTo("authentication_error"))
                .body("error.code", equalTo("http_401"));
        given().header("authorization", "Basic abc").body("{\"model\":\"chat\"}").post("/v1/chat/completions")
                .then().statusCode(401);
        given().header("authorization", "Bearer nope").body("{\"model\":\"chat\"}").post("/v1/chat/completions")
                .then().statusCode(401);
        // two different keys in one header: which account to charge is not guessed
        given().header("authorization", "Bearer " + ProxyProfile.KEY).header("authorization", "Bearer sk-other")
                .body("{\"model\":\"chat\"}").post("/v1/chat/completions")
                .then().statusCode(401).body("error.type", equalTo("authentication_error"))
                .body("error.code", equalTo("http_401")).header("x-request-id", org.hamcrest.Matchers.startsWith("req_"))
                .body("error.message", equalTo("The authorization header was sent more than once with different "
                        + "values; send one API key."));
        given().header("x-api-key", ProxyProfile.KEY).header("x-api-key", "sk-other")
                .body("{\"model\":\"chat\"}").post("/v1/chat/completions")
                .then().statusCode(401).body("error.code", equalTo("http_401"))
                .body("error.message", org.hamcrest.Matchers.startsWith("The x-api-key header was sent more than once"));
        given().header("x-api-key", ProxyProfile.OPENAI_ONLY_KEY).body("{\"model\":\"claude\",\"max_tokens\":1,"
                + "\"messages\":[]}").post("/v1/messages")
                .then().statusCode(403).body("type", equalTo("error")).body("error.code", equalTo("http_403"));
        assertThat(backends.get("d").requestCount()).isZero();
    }

    @Test
    void anAnthropicModelIsNotFoundOnTheEndpointsThatDoNotTranslateAndTheErrorListsTheOpenAiModels() {
        // chat completions and messages reach both protocols (translation); embeddings only its own
        given().header("authorization", "Bearer " + ProxyProfile.KEY)
                .body("{\"model\":\"claude\",\"input\":\"hi\"}").post("/v1/embeddings")
                .then().statusCode(404).body("error.code", equalTo("model_not_found"))
                .body("error.param", equalTo("model"))
                .body("error.available_models", org.hamcrest.Matchers.hasItems("chat", "prefixed"))
                .body("error.available_models", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasItem("claude")));
        given().header("authorization", "Bearer " + ProxyProfile.LIMITED_KEY)
                .body("{\"model\":\"prefixed\",\"messages\":[]}").post("/v1/chat/completions")
                .then().statusCode(404).body("error.available_models", org.hamcrest.Matchers.contains("chat"));
        assertThat(backends.get("d").requestCount() + backends.get("c").requestCount()).isZero();
    }

    @Test
    void bodiesThatAreNotStrictUtf8AreInvalidJsonBeforeAnyBackend() {
        String chat = "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        java.util.List<byte[]> bodies = java.util.List.of(
                // an overlong '/', which Jackson would have read as one
                chat.replace("hi", "h\u00c0\u00afi").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
                // past U+10FFFF
                chat.replace("hi", "\u00f4\u0090\u0080\u0080").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
                // UTF-16, which Jackson would have read as such and the backend could not
                chat.getBytes(java.nio.charset.StandardCharsets.UTF_16LE),
                // a byte order mark
                ("\ufeff" + chat).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        for (byte[] body : bodies) {
            given().header("authorization", "Bearer " + ProxyProfile.KEY).contentType("application/json").body(body)
                    .post("/v1/chat/completions").then().statusCode(400)
                    .header("x-request-id", org.hamcrest.Matchers.startsWith("req_"))
                    .body("error.code", equalTo("invalid_json"));
        }
        assertThat(backends.get("a").requestCount() + backends.get("b").requestCount()).isZero();
        // and well-formed text of any script goes through
        given().header("authorization", "Bearer " + ProxyProfile.KEY).contentType("application/json")
                .body(chat.replace("hi", "é ü ✓ 𝄞 日本").getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .post("/v1/chat/completions").then().statusCode(200);
    }

    @Test
    void answersBadJsonAndMissingModelBeforeAnyBackend() {
        given().header("authorization", "Bearer " + ProxyProfile.KEY).body("{\"model\":").post("/v1/chat/completions")
                .then().statusCode(400).body("error.code", equalTo("invalid_json")).body("error.param", nullValue());
        given().header("authorization", "Bearer " + ProxyProfile.KEY).body("{\"messages\":[]}").post("/v1/chat/completions")
                .then().statusCode(422).body("error.code", equalTo("schema_validation_failed"))
                .body("error.param", equalTo("model"));
        given().header("authorization", "Bearer " + ProxyProfile.KEY).body("{\"model\":\"chat\"} trailing")
                .post("/v1/chat/completions").then().statusCode(400).body("error.code", equalTo("invalid_json"));
        assertThat(backends.get("a").requestCount() + backends.get("b").requestCount()).isZero();
    }

    @Test
    void refusesBodiesOverTheLimitWith413() {
        byte[] big = new byte[70 * 1024];
        java.util.Arrays.fill(big, (byte) ' ');
        big[0] = '{';
        big[big.length - 1] = '}';
        given().header("authorization", "Bearer " + ProxyProfile.KEY).contentType(ContentType.JSON).body(big)
                .post("/v1/chat/completions")
                .then().statusCode(413).body("error.code", equalTo("request_too_large"))
                .body("error.limit_bytes", equalTo(65536));
        assertThat(backends.get("a").requestCount() + backends.get("b").requestCount()).isZero();
    }
}
