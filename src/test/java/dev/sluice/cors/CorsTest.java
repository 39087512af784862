package dev.sluice.cors;

import static dev.sluice.testing.Api.given;
import static dev.sluice.testing.Api.openai;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.emptyString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.nullValue;

import dev.sluice.testing.Api;
import dev.sluice.testing.Backends;
import dev.sluice.testing.InjectBackends;
import dev.sluice.testing.ProxyProfile;
import dev.sluice.testing.Replies;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Browser pages calling {@code /v1} from the origins {@link ProxyProfile} lists in {@code sluice.cors.origins}
 * ({@code https://app.example.com} and {@code /https://[a-z0-9-]+\.preview\.example\.com/}): preflights answered here,
 * every answer to such a page readable by it, other origins refused.
 */
@QuarkusTest
@TestProfile(ProxyProfile.class)
class CorsTest {

    static final String APP = "https://app.example.com";
    static final String CHAT = Api.chat("chat");
    static final String CLAUDE = Api.chat("claude");

    @InjectBackends
    Backends backends;

    @BeforeEach
    void reset() {
        backends.resetAll();
    }

    private static Response preflight(String origin, String path, String method) {
        return given().header("origin", origin).header("access-control-request-method", method)
                .header("access-control-request-headers", "authorization,content-type,x-stainless-os")
                .options(path);
    }

    @Test
    void aPreflightFromAListedOriginIsGrantedHereWithoutAKey() {
        Response response = preflight(APP, "/v1/chat/completions", "POST");

        response.then().statusCode(204)
                .header("access-control-allow-origin", APP)
                .header("access-control-allow-methods", "POST")
                .header("access-control-allow-headers", "authorization,content-type,x-stainless-os")
                .header("access-control-max-age", "600")
                .header("access-control-expose-headers", "*")
                .header("vary", "origin")
                .header("x-request-id", matchesPattern("^req_[0-9a-f]{12}$"))
                .body(emptyString());
        assertThat(backends.get("a").requestCount() + backends.get("b").requestCount()).isZero();
    }

    @Test
    void aPreflightNamesTheEndpointsOwnMethod() {
        preflight(APP, "/v1/models", "GET").then().statusCode(204).header("access-control-allow-methods", "GET");
        // the browser asks for a method the endpoint does not take: it is told the one it does, and stops there
        preflight(APP, "/v1/messages", "PUT").then().statusCode(204).header("access-control-allow-methods", "POST");
    }

    @Test
    void anOriginMatchingTheListedExpressionIsEchoed() {
        preflight("https://pr-7.preview.example.com", "/v1/messages", "POST").then().statusCode(204)
                .header("access-control-allow-origin", "https://pr-7.preview.example.com");
    }

    @Test
    void aPreflightFromAnotherOriginIsRefusedWithTheEnvelope() {
        preflight("https://evil.test", "/v1/chat/completions", "POST").then().statusCode(403)
                .header("access-control-allow-origin", nullValue())
                .header("x-request-id", matchesPattern("^req_[0-9a-f]{12}$"))
                .body("error.type", equalTo("permission_error"))
                .body("error.code", equalTo("http_403"))
                .body("error.message", equalTo("Browser pages from https://evil.test may not call this proxy: that"
                        + " origin is not in sluice.cors.origins."));
    }

    @Test
    void anOptionsRequestThatIsNoPreflightIsStillTheWrongMethod() {
        given().header("origin", APP).options("/v1/chat/completions").then().statusCode(405)
                .header("allow", "POST")
                .header("access-control-allow-origin", APP)
                .body("error.code", equalTo("method_not_allowed"));
    }

    @Test
    void aRelayedAnswerCarriesTheProxysHeadersInPlaceOfTheBackends() {
        backends.get("a").reply(Replies.status(200, Replies.CHAT_COMPLETION, "access-control-allow-origin", "*",
                "access-control-allow-credentials", "true"));
        backends.get("b").reply(Replies.status(200, Replies.CHAT_COMPLETION, "access-control-allow-origin", "*",
                "access-control-allow-credentials", "true"));

        Response response = openai(ProxyProfile.KEY).header("origin", APP).body(CHAT).post("/v1/chat/completions");

        response.then().statusCode(200).header("access-control-expose-headers", "*").header("vary", "origin");
        assertThat(response.headers().getValues("access-control-allow-origin")).containsExactly(APP);
        assertThat(response.headers().getValues("access-control-allow-credentials")).isEmpty();
        String backendOrigin = backends.get("a").requestCount() > 0 ? backends.get("a").last().header("origin")
                : backends.get("b").last().header("origin");
        assertThat(backendOrigin).isEqualTo(APP); // relayed upstream like any other header
    }

    @Test
    void errorsStreamsAndTranslatedAnswersCarryThemToo() {
        // an error of the proxy's own
        openai("sk-nobody").header("origin", APP).body(CHAT).post("/v1/chat/completions").then().statusCode(401)
                .header("access-control-allow-origin", APP).body("error.code", equalTo("http_401"));
        // a stream
        backends.get("a").reply(Replies.sse(3, 0));
        backends.get("b").reply(Replies.sse(3, 0));
        Response stream = openai(ProxyProfile.KEY).header("origin", APP)
                .body("{\"model\":\"chat\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .post("/v1/chat/completions");
        stream.then().statusCode(200).header("access-control-allow-origin", APP);
        assertThat(stream.contentType()).startsWith("text/event-stream");
        assertThat(stream.asString()).endsWith("data: [DONE]\n\n");
        // an answer translated from Anthropic's form
        backends.get("d").reply(Replies.json(200, Replies.ANTHROPIC_MESSAGE));
        Response translated = openai(ProxyProfile.KEY).header("origin", APP).body(CLAUDE).post("/v1/chat/completions");
        translated.then().statusCode(200).header("x-sluice-translated", "openai-to-anthropic")
                .body("choices[0].message.content", equalTo("Hello!"));
        assertThat(translated.headers().getValues("access-control-allow-origin")).containsExactly(APP);
    }

    @Test
    void aRequestFromAnotherOriginOrNoneIsServedWithoutThemWhateverTheBackendSays() {
        for (String backend : new String[] {"a", "b"}) {
            backends.get(backend).reply(Replies.status(200, Replies.CHAT_COMPLETION, "access-control-allow-origin",
                    "*", "access-control-expose-headers", "*", "vary", "accept-encoding"));
        }

        Response fromAnotherPage = openai(ProxyProfile.KEY).header("origin", "https://evil.test").body(CHAT)
                .post("/v1/chat/completions");
        Response fromNoPage = openai(ProxyProfile.KEY).body(CHAT).post("/v1/chat/completions");

        for (Response response : new Response[] {fromAnotherPage, fromNoPage}) {
            response.then().statusCode(200).header("access-control-allow-origin", nullValue())
                    .header("access-control-expose-headers", nullValue());
            // the answer depends on the origin: a cache must not hand it to a listed page, nor the reverse
            assertThat(response.headers().getValues("vary")).containsExactly("origin", "accept-encoding");
        }
    }

    @Test
    void anErrorToAnotherOriginVariesByOriginToo() {
        openai("sk-nobody").header("origin", "https://evil.test").body(CHAT).post("/v1/chat/completions").then()
                .statusCode(401).header("access-control-allow-origin", nullValue()).header("vary", "origin")
                .body("error.code", equalTo("http_401"));
    }
}
