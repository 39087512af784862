package dev.sluice.upstream;

import static dev.sluice.testing.Api.anthropic;
import static dev.sluice.testing.Api.openai;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import dev.sluice.testing.Api;
import dev.sluice.testing.Backends;
import dev.sluice.testing.InjectBackends;
import dev.sluice.testing.ErrorLog;
import dev.sluice.testing.ProxyProfile;
import dev.sluice.testing.Replies;
import dev.sluice.testing.TestBackend;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.config.DecoderConfig;
import io.restassured.config.RestAssuredConfig;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Retries, timeouts, fallbacks and provider errors (contract §3.2, §6). */
@QuarkusTest
@TestProfile(ProxyProfile.class)
class FaultToleranceTest {

    private static final String CHAT = Api.chat("chat");
    /** RestAssured sends its own {@code accept-encoding: gzip,deflate} unless told to decode nothing. */
    private static final RestAssuredConfig ONLY_OUR_ACCEPT_ENCODING = RestAssuredConfig.config()
            .decoderConfig(DecoderConfig.decoderConfig().noContentDecoders());

    @InjectBackends
    Backends backends;



    @BeforeEach
    void reset() {
        backends.resetAll();
    }

    @Test
    void retriesAConnectErrorOnAnotherBackend() {
        for (int i = 0; i < 8; i++) {
            openai(ProxyProfile.KEY).body("{\"model\":\"halfdead\",\"messages\":[]}").post("/v1/chat/completions")
                    .then().statusCode(200).body("id", equalTo("chatcmpl-1"));
        }
        assertThat(backends.get("k").requestCount()).isEqualTo(8);
    }

    @Test
    void answersBackendConnectErrorWhenNothingIsReachable() {
        openai(ProxyProfile.KEY).body("{\"model\":\"unreachable\",\"messages\":[]}").post("/v1/chat/completions")
                .then().statusCode(502).contentType("application/json")
                .body("error.type", equalTo("server_error"))
                .body("error.code", equalTo("backend_connect_error"))
                .body("error.origin", equalTo("router"))
                .body("error.model", equalTo("unreachable"))
                .body("error.attempts", hasSize(1))
                .body("error.attempts[0].backend", equalTo("g"))
                .body("error.attempts[0].model", equalTo("unreachable"))
                .body("error.attempts[0].code", equalTo("backend_connect_error"))
                .body("error.attempts[0].status", nullValue())
                .body("error.attempts[0].duration_ms", greaterThanOrEqualTo(0))
                .body("error.message", equalTo("The backend for model 'unreachable' could not be reached."));
    }

    @Test
    void retriesOverloadAnswersOnUntriedBackendsAndReportsEveryAttempt() {
        backends.get("a").reply(Replies.status(503, "{\"error\":{\"message\":\"busy\"}}"));
        backends.get("b").reply(Replies.status(502, "bad gateway"));

        openai(ProxyProfile.KEY).body(CHAT).post("/v1/chat/completions")
                .then().statusCode(502)
                .body("error.code", equalTo("backend_http_error"))
                .body("error.type", equalTo("server_error"))
                .body("error.model", equalTo("chat"))
                .body("error.attempts", hasSize(2))
                .body("error.attempts.model", org.hamcrest.Matchers.everyItem(equalTo("upstream/chat-1")))
                .body("error.attempts.backend", org.hamcrest.Matchers.containsInAnyOrder("a", "b"))
                .body("error.upstream_status", org.hamcrest.Matchers.oneOf(502, 503));
        assertThat(backends.get("a").requestCount()).isEqualTo(1);
        assertThat(backends.get("b").requestCount()).isEqualTo(1);
    }

    @Test
    void recoversFromA503OnTheOtherBackend() {
        backends.get("a").reply(Replies.status(503, "{}"));
        for (int i = 0; i < 6; i++) {
            openai(ProxyProfile.KEY).body(CHAT).post("/v1/chat/completions").then().statusCode(200);
        }
        assertThat(backends.get("b").requestCount()).isEqualTo(6);
    }

    @Test
    void doesNotRetryA500() {
        backends.get("a").reply(Replies.status(500, "{\"detail\":\"Traceback ...\"}"));
        backends.get("b").reply(Replies.status(500, "{\"detail\":\"Traceback ...\"}"));

        openai(ProxyProfile.KEY).body(CHAT).post("/v1/chat/completions")
                .then().statusCode(502)
                .body("error.code", equalTo("backend_http_error"))
                .body("error.upstream_status", equalTo(500))
                .body("error.attempts", hasSize(1))
                .body("error.attempts[0].code", equalTo("http_500"))
                .body("error.attempts[0].status", equalTo(500))
                .body("error.message", org.hamcrest.Matchers.not(org.hamcrest.Matchers.containsString("Traceback")));
        assertThat(backends.get("a").requestCount() + backends.get("b").requestCount()).isEqualTo(1);
    }

    @Test
    void answersProviderRateLimitWhenEveryBackendIsOverloaded() {
        backends.get("a").reply(Replies.status(429, "{}", "retry-after", "3"));
        backends.get("b").reply(Replies.status(529, "{}", "retry-after", "7"));

        openai(ProxyProfile.KEY).body(CHAT).post("/v1/chat/completions")
                .then().statusCode(429)
                .header("retry-after", "7")
                .header("x-should-retry", "true")
                .body("error.type", equalTo("rate_limit_error"))
                .body("error.code", equalTo("rate_limit_exceeded"))
                .body("error.limit", equalTo("provider"))
                .body("error.origin", equalTo("provider"));
    }

    @Test
    void providerRateLimitWithoutRetryAfterStillSaysAtLeastOneSecond() {
        backends.get("a").reply(Replies.status(429, "{}"));
        backends.get("b").reply(Replies.status(429, "{}"));
        openai(ProxyProfile.KEY).body(CHAT).post("/v1/chat/completions")
                .then().statusCode(429).header("retry-after", "1").body("error.limit", equalTo("provider"));
    }

    @Test
    void aFirstByteTimeoutIsNotRetriedByDefault() {
        backends.get("a").reply(Replies.stall());
        backends.get("b").reply(Replies.stall());

        long start = System.nanoTime();
        openai(ProxyProfile.KEY).body(CHAT).post("/v1/chat/completions")
                .then().statusCode(504)
                .body("error.type", equalTo("server_error"))
                .body("error.code", equalTo("backend_timeout"))
                .body("error.attempts", hasSize(1))
                .body("error.attempts[0].code", equalTo("backend_timeout"))
                .body("error.attempts[0].duration_ms", greaterThanOrEqualTo(350));
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(2_000);
        assertThat(backends.get("a").requestCount() + backends.get("b").requestCount()).isEqualTo(1);
    }

    @Test
    void retriesTimeoutsWhenTheModelSaysSoWithinItsRetries() {
        backends.get("h").reply(Replies.stall());
        backends.get("i").reply(Replies.stall());
        backends.get("j").reply(Replies.stall());

        openai(ProxyProfile.KEY).body("{\"model\":\"patient\",\"messages\":[]}").post("/v1/chat/completions")
                .then().statusCode(504).body("error.code", equalTo("backend_timeout"))
                .body("error.attempts", hasSize(2));
    }

    @Test
    void a408CountsAsATimeout() {
        backends.get("a").reply(Replies.status(408, "{}"));
        backends.get("b").reply(Replies.status(408, "{}"));
        openai(ProxyProfile.KEY).body(CHAT).post("/v1/chat/completions")
                .then().statusCode(504).body("error.code", equalTo("backend_timeout"))
                .body("error.attempts", hasSize(1))
                .body("error.attempts[0].code", equalTo("http_408"))
                .body("error.attempts[0].status", equalTo(408));
    }

    @Test
    void fallsBackToTheNextModelUnderItsUpstreamName() {
        backends.get("e").reply(Replies.status(503, "{}"));

        openai(ProxyProfile.KEY).body("{\"model\":\"primary\",\"messages\":[]}").post("/v1/chat/completions")
                .then().statusCode(200).body("id", equalTo("chatcmpl-1"));
        assertThat(backends.get("f").last().bodyText()).isEqualTo("{\"model\":\"secondary-upstream\",\"messages\":[]}");
    }

    @Test
    void listsTheFallbacksAttemptsTooWhenEverythingFails() {
        backends.get("e").reply(Replies.status(503, "{}"));
        backends.get("f").reply(Replies.status(504, "{}"));

        openai(ProxyProfile.KEY).body("{\"model\":\"primary\",\"messages\":[]}").post("/v1/chat/completions")
                .then().statusCode(502).body("error.code", equalTo("backend_http_error"))
                .body("error.model", equalTo("primary"))
                .body("error.upstream_status", equalTo(504))
                .body("error.attempts.backend", org.hamcrest.Matchers.contains("e", "f"))
                .body("error.attempts.model", org.hamcrest.Matchers.contains("primary", "secondary-upstream"))
                .body("error.attempts.code", org.hamcrest.Matchers.contains("http_503", "http_504"));
    }

    @Test
    void relaysAProviderClientErrorInTheEnvelopeWithoutRetrying() {
        String providerError = "{\"error\":{\"message\":\"temperature must be at most 2\",\"type\":\"invalid_request_error\","
                + "\"param\":\"temperature\",\"code\":\"invalid_value\"}}";
        backends.get("a").reply(Replies.status(400, providerError));
        backends.get("b").reply(Replies.status(400, providerError));

        openai(ProxyProfile.KEY).body(CHAT).post("/v1/chat/completions")
                .then().statusCode(400).contentType("application/json")
                .header("x-request-id", notNullValue())
                .body("error.type", equalTo("invalid_request_error"))
                .body("error.code", equalTo("invalid_value"))
                .body("error.param", equalTo("temperature"))
                .body("error.message", equalTo("temperature must be at most 2"))
                .body("error.origin", equalTo("provider"));
        assertThat(backends.get("a").requestCount() + backends.get("b").requestCount()).isEqualTo(1);
    }

    @Test
    void readsAProviderErrorThatCameGzipCoded() {
        // the client accepts br too (curl --compressed and browsers do); the backend codes its answers when it may,
        // as OpenAI's does
        String providerError = "{\"error\":{\"message\":\"temperature must be at most 2\","
                + "\"type\":\"invalid_request_error\","
                + "\"param\":\"temperature\",\"code\":\"invalid_value\"}}";
        backends.get("a").reply(Replies.gzippedWhenAccepted(400, providerError));
        backends.get("b").reply(Replies.gzippedWhenAccepted(400, providerError));

        openai(ProxyProfile.KEY).config(ONLY_OUR_ACCEPT_ENCODING).header("accept-encoding", "br, gzip;q=0.9")
                .body(CHAT).post("/v1/chat/completions")
                .then().statusCode(400).contentType("application/json")
                .header("content-encoding", nullValue())
                .body("error.type", equalTo("invalid_request_error"))
                .body("error.code", equalTo("invalid_value"))
                .body("error.param", equalTo("temperature"))
                .body("error.message", equalTo("temperature must be at most 2"))
                .body("error.origin", equalTo("provider"));
        TestBackend answered = backends.servedBy("a", "b");
        // the backend may code only what the proxy can decode
        assertThat(answered.last().header("accept-encoding")).isEqualTo("gzip;q=0.9");
    }

    @Test
    void seesAnAnthropicOverloadedErrorThatCameGzipCoded() {
        // RestAssured accepts gzip, as the Anthropic SDKs do; a plain 500 would be a 502 backend_http_error
        backends.get("d").reply(Replies.gzippedWhenAccepted(500,
                "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"));

        anthropic(ProxyProfile.KEY).body("{\"model\":\"claude\",\"max_tokens\":16,\"messages\":[]}")
                .post("/v1/messages")
                .then().statusCode(429)
                .body("type", equalTo("error"))
                .body("error.code", equalTo("rate_limit_exceeded"))
                .body("error.origin", equalTo("provider"));
        assertThat(backends.get("d").last().header("accept-encoding")).contains("gzip");
    }

    @Test
    void anAnthropicOverloadedErrorSentWithA200CountsAsA529() {
        // contract §9: whatever its status; it went to the client as a 200 (untranslated) or a 502 (translated)
        backends.get("d").reply(Replies.json(200,
                "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"));

        anthropic(ProxyProfile.KEY).body("{\"model\":\"claude\",\"max_tokens\":16,\"messages\":[]}")
                .post("/v1/messages")
                .then().statusCode(429)
                .body("type", equalTo("error"))
                .body("error.code", equalTo("rate_limit_exceeded"));
        openai(ProxyProfile.KEY).body("{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .post("/v1/chat/completions")
                .then().statusCode(429)
                .body("error.code", equalTo("rate_limit_exceeded"));
        // an answer is never taken for one
        backends.get("d").reply(Replies.json(200, Replies.ANTHROPIC_MESSAGE.replace("Hello!", "overloaded_error")));
        anthropic(ProxyProfile.KEY).body("{\"model\":\"claude\",\"max_tokens\":16,\"messages\":[]}")
                .post("/v1/messages").then().statusCode(200);
    }

    @Test
    void anAnthropicOverloadedErrorCutAcrossReadsStillCountsAsA529() {
        // given: the error object reaches the proxy in two reads, cut before the error's type
        String overloaded = "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}";
        backends.get("d").reply(Replies.jsonCutAt(200, overloaded, 30, overloaded.indexOf("overloaded")));

        // when / then
        anthropic(ProxyProfile.KEY).body("{\"model\":\"claude\",\"max_tokens\":16,\"messages\":[]}")
                .post("/v1/messages")
                .then().statusCode(429)
                .body("type", equalTo("error"))
                .body("error.code", equalTo("rate_limit_exceeded"));
        // an answer cut where it still looks like the start of an error object goes on whole
        backends.get("d").reply(Replies.jsonCutAt(200, Replies.ANTHROPIC_MESSAGE.replace("\"id\":\"msg_1\",", ""), 30,
                "{\"type\":\"".length(), "{\"type\":\"mess".length()));
        anthropic(ProxyProfile.KEY).body("{\"model\":\"claude\",\"max_tokens\":16,\"messages\":[]}")
                .post("/v1/messages")
                .then().statusCode(200)
                .body("type", equalTo("message"))
                .body("content[0].text", equalTo("Hello!"));
    }

    @Test
    void relaysAGzipCodedAnswerAsItCame() {
        backends.get("a").reply(Replies.gzippedWhenAccepted(200, Replies.CHAT_COMPLETION));
        backends.get("b").reply(Replies.gzippedWhenAccepted(200, Replies.CHAT_COMPLETION));

        // RestAssured decodes it: the bytes came coded, with their content-encoding
        openai(ProxyProfile.KEY).header("accept-encoding", "gzip").body(CHAT).post("/v1/chat/completions")
                .then().statusCode(200).header("content-encoding", equalTo("gzip"))
                .body("id", equalTo("chatcmpl-1"));
    }

    @Test
    void aClientThatAcceptsOnlyCodingsTheProxyCannotReadGetsAnUncodedAnswer() {
        backends.get("a").reply(Replies.gzippedWhenAccepted(200, Replies.CHAT_COMPLETION));
        backends.get("b").reply(Replies.gzippedWhenAccepted(200, Replies.CHAT_COMPLETION));

        openai(ProxyProfile.KEY).config(ONLY_OUR_ACCEPT_ENCODING).header("accept-encoding", "br").body(CHAT)
                .post("/v1/chat/completions")
                .then().statusCode(200).header("content-encoding", nullValue())
                .body("id", equalTo("chatcmpl-1"));
        TestBackend answered = backends.servedBy("a", "b");
        assertThat(answered.last().header("accept-encoding")).isNull();
    }

    @Test
    void namesTheStatusWhenTheProviderGivesNoCode() {
        backends.get("a").reply(Replies.status(401, "{\"detail\":\"no\"}"));
        backends.get("b").reply(Replies.status(401, "{\"detail\":\"no\"}"));
        openai(ProxyProfile.KEY).body(CHAT).post("/v1/chat/completions")
                .then().statusCode(401).body("error.type", equalTo("authentication_error"))
                .body("error.code", equalTo("http_401")).body("error.origin", equalTo("provider"))
                .body("error.param", nullValue());

        backends.get("a").reply(Replies.status(422, "not json at all"));
        backends.get("b").reply(Replies.status(422, "not json at all"));
        openai(ProxyProfile.KEY).body(CHAT).post("/v1/chat/completions")
                .then().statusCode(422).body("error.type", equalTo("invalid_request_error"))
                .body("error.code", equalTo("http_422"));
    }

    @Test
    void relaysAnthropicProviderErrorsInTheAnthropicEnvelope() {
        backends.get("d").reply(Replies.status(400,
                "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"max_tokens: too large\"}}"));

        anthropic(ProxyProfile.KEY).body("{\"model\":\"claude\",\"max_tokens\":99999999,\"messages\":[]}")
                .post("/v1/messages")
                .then().statusCode(400)
                .header("request-id", notNullValue())
                .body("type", equalTo("error"))
                .body("error.type", equalTo("invalid_request_error"))
                .body("error.code", equalTo("http_400"))
                .body("error.message", equalTo("max_tokens: too large"))
                .body("error.origin", equalTo("provider"));
    }

    @Test
    void relaysASuccessBodyWithoutReadingIt() {
        backends.get("a").reply(Replies.garbage());
        backends.get("b").reply(Replies.garbage());
        String body = openai(ProxyProfile.KEY).body(CHAT).post("/v1/chat/completions")
                .then().statusCode(200).extract().asString();
        assertThat(body).isEqualTo("<html>not json");
    }

    @Test
    void retriesAConnectionClosedBeforeAnyAnswer() {
        backends.get("a").reply(Replies.reset());
        backends.get("b").reply(Replies.reset());
        openai(ProxyProfile.KEY).body(CHAT).post("/v1/chat/completions")
                .then().statusCode(502).body("error.code", equalTo("backend_connect_error"))
                .body("error.attempts", hasSize(2))
                // the backends got the request: the message does not say they could not be reached
                .body("error.message", org.hamcrest.Matchers.endsWith("closed the connection before answering."));
    }

    @Test
    void aTcpResetBeforeAnyAnswerIsRetriedAndAnsweredWithoutAnErrorLogLine() {
        backends.get("a").reply(Replies.tcpReset());
        backends.get("b").reply(Replies.tcpReset());
        try (ErrorLog errors = ErrorLog.open()) {
            for (int i = 0; i < 5; i++) {
                openai(ProxyProfile.KEY).body(CHAT).post("/v1/chat/completions")
                        .then().statusCode(502).body("error.code", equalTo("backend_connect_error"))
                        .body("error.attempts", hasSize(2));
            }
            // a backend's reset is a backend_connect_error, answered and retried: not an ERROR of the proxy
            assertThat(errors.lines()).isEmpty();
        }
    }
}
