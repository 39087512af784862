package dev.sluice.pipeline;

import static dev.sluice.testing.Api.anthropic;
import static dev.sluice.testing.Api.openai;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;

import dev.sluice.testing.Backends;
import dev.sluice.testing.InjectBackends;
import dev.sluice.testing.ProxyProfile;
import dev.sluice.testing.Replies;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Request ids (contract §2) on every response, upstream, and in the envelope. */
@QuarkusTest
@TestProfile(ProxyProfile.class)
class RequestIdTest {

    private static final String GENERATED = "^req_[0-9a-f]{12}$";
    private static final String BODY = "{\"model\":\"prefixed\",\"messages\":[]}";

    @InjectBackends
    Backends backends;



    @BeforeEach
    void reset() {
        backends.resetAll();
    }

    private String idFor(String... clientValues) {
        var request = openai(ProxyProfile.KEY).body(BODY);
        for (String value : clientValues) {
            request.header("x-request-id", value);
        }
        Response response = request.post("/v1/chat/completions");
        response.then().statusCode(200);
        String id = response.header("x-request-id");
        assertThat(backends.get("c").last().header("x-request-id")).isEqualTo(id);
        return id;
    }

    @Test
    void generatesAnIdWhenTheClientSendsNoneOrAnEmptyOne() {
        assertThat(idFor()).matches(GENERATED);
        assertThat(idFor("")).matches(GENERATED);
        assertThat(idFor()).isNotEqualTo(idFor());
    }

    @Test
    void keepsAnIdOfTheProxysOwnFormAsIs() {
        assertThat(idFor("req_0123456789ab")).isEqualTo("req_0123456789ab");
    }

    @Test
    void prefixesAnyOtherClientValue() {
        assertThat(idFor("abc")).isEqualTo("client_abc");
        assertThat(idFor("req_0123456789AB")).isEqualTo("client_req_0123456789AB");
        assertThat(idFor("a b~c")).isEqualTo("client_a b~c");
    }

    @Test
    void theFirstOfSeveralCounts() {
        assertThat(idFor("first", "second")).isEqualTo("client_first");
    }

    @Test
    void refusesTooLongAndNonAsciiValues() {
        String exactly128 = "x".repeat(128);
        assertThat(idFor(exactly128)).isEqualTo("client_" + exactly128);
        assertThat(idFor("x".repeat(129))).matches(GENERATED);
        assertThat(idFor("caf\u00e9")).matches(GENERATED);
    }

    @Test
    void isInTheEnvelopeOfEveryError() {
        openai("wrong-key").header("x-request-id", "abc").body(BODY).post("/v1/chat/completions")
                .then().statusCode(401).header("x-request-id", "client_abc")
                .body("error.request_id", equalTo("client_abc"));
        openai(ProxyProfile.KEY).get("/v1/unknown").then().statusCode(404)
                .header("x-request-id", matchesPattern(GENERATED))
                .body("error.request_id", matchesPattern(GENERATED));
    }

    @Test
    void anthropicEndpointsAlsoCarryRequestId() {
        backends.get("d").reply(Replies.json(200, "{\"type\":\"message\"}"));
        Response response = anthropic(ProxyProfile.KEY).header("x-request-id", "req_00000000beef")
                .body("{\"model\":\"claude\",\"max_tokens\":1,\"messages\":[]}").post("/v1/messages");
        response.then().statusCode(200).header("x-request-id", "req_00000000beef").header("request-id", "req_00000000beef");
        anthropic("nope").body("{}").post("/v1/messages").then().statusCode(401)
                .header("request-id", matchesPattern(GENERATED))
                .body("type", equalTo("error"))
                .body("error.request_id", matchesPattern(GENERATED));
    }

    @Test
    void aBackendsOwnRequestIdNeverReplacesTheProxys() {
        backends.get("c").reply(Replies.status(200, "{}", "x-request-id", "backend-id", "request-id", "backend-id"));
        Response response = openai(ProxyProfile.KEY).body(BODY).post("/v1/chat/completions");
        assertThat(response.header("x-request-id")).matches(GENERATED);
        assertThat(response.headers().getValues("x-request-id")).hasSize(1);
    }
}
