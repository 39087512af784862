package dev.sluice.pipeline;

import static dev.sluice.testing.Api.anthropic;
import static dev.sluice.testing.Api.openai;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import dev.sluice.testing.Backends;
import dev.sluice.testing.ErrorLog;
import dev.sluice.testing.InjectBackends;
import dev.sluice.testing.ProxyProfile;
import dev.sluice.testing.Replies;
import dev.sluice.testing.Scrape;
import dev.sluice.testing.TestBackend;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Protocol translation through HTTP (contract §9): Anthropic clients on the OpenAI model {@code chat} (backends a
 * and b) and OpenAI clients on the Anthropic model {@code claude} (backend d), JSON and streams, errors in the
 * client's form. The translation rules themselves are tested case by case in {@code dev.sluice.translate}.
 */
@QuarkusTest
@TestProfile(ProxyProfile.class)
class TranslationEndToEndTest {

    static final String MESSAGES = "{\"model\":\"chat\",\"max_tokens\":64,\"system\":\"Be brief.\","
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    static final String CHAT = "{\"model\":\"claude\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
            + "{\"role\":\"user\",\"content\":\"hi\"}]}";

    @InjectBackends
    Backends backends;

    @BeforeEach
    void reset() {
        backends.resetAll();
    }

    /** Lets what the proxy does after the client's answer (the backend's end, the finish) happen. */
    static void awaitQuiet() {
        try {
            Thread.sleep(150);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    TestBackend servedBy() {
        return backends.servedBy("a", "b");
    }

    @Test
    void anAnthropicClientGetsAMessageFromAnOpenAiModel() {
        // when
        var answer = anthropic(ProxyProfile.KEY).body(MESSAGES).post("/v1/messages?beta=true").then().statusCode(200)
                .header("x-sluice-translated", "anthropic-to-openai")
                .header("content-type", startsWith("application/json"))
                .body("type", equalTo("message"))
                .body("role", equalTo("assistant"))
                .body("model", equalTo("chat"))
                .body("id", startsWith("msg_"))
                .extract().jsonPath();

        // then: the backend got an OpenAI chat request, on its own path, without Claude Code's beta parameter
        TestBackend.Received received = servedBy().last();
        assertThat(received.uri()).isEqualTo("/v1/chat/completions");
        JsonObject body = new JsonObject(received.bodyText());
        assertThat(body.getString("model")).isEqualTo("upstream/chat-1");
        assertThat(body.getInteger("max_tokens")).isEqualTo(64);
        assertThat(body.getJsonArray("messages").getJsonObject(0).getString("role")).isEqualTo("system");
        assertThat(received.header("anthropic-version")).isNull();
        // the client accepted gzip (RestAssured says so); the answer, read whole to be translated, is asked plain
        assertThat(received.header("accept-encoding")).isEqualTo("identity");
        assertThat(answer.getString("content[0].type")).isEqualTo("text");
        assertThat(answer.getString("stop_reason")).isEqualTo("end_turn");
    }

    @Test
    void anErrorOfAnUntranslatedFallbackIsNotSaidToBeTranslated() {
        // the Anthropic model overloaded; its OpenAI fallback (chat) refuses the request as the client sent it
        backends.get("d").reply(Replies.json(529, "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
                + "\"message\":\"Overloaded\"}}"));
        backends.get("a").reply(Replies.json(400, "{\"error\":{\"message\":\"bad\",\"type\":\"invalid_request_error\"}}"));
        backends.get("b").reply(Replies.json(400, "{\"error\":{\"message\":\"bad\",\"type\":\"invalid_request_error\"}}"));

        var answer = openai(ProxyProfile.KEY).body(CHAT.replace("\"claude\"", "\"claude-or-chat\""))
                .post("/v1/chat/completions").then().statusCode(400).body("error.message", equalTo("bad")).extract();

        assertThat(answer.header("x-sluice-translated")).isNull();
        assertThat(backends.get("d").requestCount()).isEqualTo(1);
        // the Anthropic model's own 4xx is a translated one
        backends.get("d").reply(Replies.json(400, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                + "\"message\":\"no\"}}"));
        openai(ProxyProfile.KEY).body(CHAT.replace("\"claude\"", "\"claude-or-chat\"")).post("/v1/chat/completions")
                .then().statusCode(400).header("x-sluice-translated", "openai-to-anthropic");
    }

    @Test
    void anOpenAiClientGetsAChatCompletionFromAnAnthropicModel() {
        // given
        backends.get("d").reply(Replies.json(200, Replies.ANTHROPIC_MESSAGE));

        // when
        openai(ProxyProfile.KEY).body(CHAT).post("/v1/chat/completions").then().statusCode(200)
                .header("x-sluice-translated", "openai-to-anthropic")
                .body("object", equalTo("chat.completion"))
                .body("model", equalTo("claude"))
                .body("choices[0].message.content", equalTo("Hello!"))
                .body("choices[0].finish_reason", equalTo("stop"))
                .body("usage.prompt_tokens", equalTo(9))
                .body("usage.completion_tokens", equalTo(3))
                .body("usage.total_tokens", equalTo(12));

        // then: an Anthropic request with the system message on top, the default max_tokens, the backend's own key
        TestBackend.Received received = backends.get("d").last();
        assertThat(received.uri()).isEqualTo("/v1/messages");
        JsonObject body = new JsonObject(received.bodyText());
        assertThat(body.getString("system")).isEqualTo("Be brief.");
        assertThat(body.getInteger("max_tokens")).isEqualTo(1024);
        assertThat(received.header("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(received.header("x-api-key")).isEqualTo("backend-secret-d");
        assertThat(received.header("authorization")).isNull();
    }

    @Test
    void anOpenAiStreamReachesAnAnthropicClientAsMessageEvents() {
        // given
        for (String name : new String[] {"a", "b"}) {
            backends.get(name).reply((request, body, response) -> {
                response.setChunked(true).putHeader("content-type", "text/event-stream");
                response.write("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                        + "\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"}}]}\n\n");
                response.write("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                        + "\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\n\n");
                response.write("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[],"
                        + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7}}\n\n");
                response.end("data: [DONE]\n\n");
            });
        }

        // when
        String stream;
        try (ErrorLog errors = ErrorLog.open()) {
            stream = anthropic(ProxyProfile.KEY).body(MESSAGES.replace("\"max_tokens\":64", "\"max_tokens\":64,\"stream\":true"))
                    .post("/v1/messages").then().statusCode(200)
                    .header("x-sluice-translated", "anthropic-to-openai")
                    .header("content-type", startsWith("text/event-stream"))
                    .extract().asString();
            awaitQuiet();
            assertThat(errors.lines()).isEmpty();
        }

        // then: the backend was asked for its usage; the client got Anthropic's events in order
        JsonObject sent = new JsonObject(servedBy().last().bodyText());
        assertThat(sent.getBoolean("stream")).isTrue();
        assertThat(sent.getJsonObject("stream_options").getBoolean("include_usage")).isTrue();
        assertThat(stream).containsSubsequence("event: message_start", "event: content_block_start",
                "\"text\":\"Hel\"", "\"text\":\"lo\"", "event: content_block_stop", "event: message_delta",
                "\"stop_reason\":\"end_turn\"", "event: message_stop");
        assertThat(stream).doesNotContain("[DONE]");
    }

    @Test
    void anAnthropicStreamReachesAnOpenAiClientAsChunks() {
        // given
        backends.get("d").reply((request, body, response) -> {
            response.setChunked(true).putHeader("content-type", "text/event-stream");
            response.write("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\","
                    + "\"type\":\"message\",\"role\":\"assistant\",\"model\":\"x\",\"content\":[],\"stop_reason\":null,"
                    + "\"usage\":{\"input_tokens\":9,\"output_tokens\":1}}}\n\n");
            response.write("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                    + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
            response.write("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                    + "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}\n\n");
            response.write("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n");
            response.write("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
                    + "\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":4}}\n\n");
            response.end("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        });

        // when
        String stream;
        try (ErrorLog errors = ErrorLog.open()) {
            stream = openai(ProxyProfile.KEY).body(CHAT.replace("]}", "],\"stream\":true,"
                    + "\"stream_options\":{\"include_usage\":true}}")).post("/v1/chat/completions").then().statusCode(200)
                    .header("x-sluice-translated", "openai-to-anthropic")
                    .extract().asString();
            awaitQuiet();
            assertThat(errors.lines()).isEmpty();
        }

        // then
        assertThat(stream).containsSubsequence("\"role\":\"assistant\"", "\"content\":\"Hello\"",
                "\"finish_reason\":\"stop\"", "\"prompt_tokens\":9", "\"completion_tokens\":4", "data: [DONE]");
        assertThat(stream).doesNotContain("message_start");
    }

    @Test
    void aTwoHundredThatCannotBeReadIsRetriedThenAnsweredAsInvalidProviderResponse() {
        // given: both backends of chat answer 200 with something that is no chat completion
        backends.get("a").reply(Replies.json(200, "{\"nonsense\":true}"));
        backends.get("b").reply(Replies.json(200, "not json"));

        // when / then
        anthropic(ProxyProfile.KEY).body(MESSAGES).post("/v1/messages").then().statusCode(502)
                .body("type", equalTo("error"))
                .body("error.type", equalTo("server_error"))
                .body("error.code", equalTo("invalid_provider_response"))
                .body("error.model", equalTo("chat"))
                .body("error.attempts.size()", equalTo(2))
                .body("error.attempts[0].code", equalTo("invalid_provider_response"))
                .body("error.attempts[1].code", equalTo("invalid_provider_response"))
                // the backends answered: their status is in the attempts (§3.1)
                .body("error.attempts[0].status", equalTo(200))
                .body("error.attempts[1].status", equalTo(200));
        assertThat(backends.get("a").requestCount() + backends.get("b").requestCount()).isEqualTo(2);
    }

    @Test
    void aTwoHundredWhoseBodyBreaksOffIsAnInvalidProviderResponseNotAnUnreachableBackend() {
        // given: both backends of chat answer 200 and close the connection half way through the body
        backends.get("a").reply(Replies.jsonCut(40, 0));
        backends.get("b").reply(Replies.jsonCut(40, 0));

        // when / then: the backend was reached and answered; its answer cannot be read (contract §9), retried
        anthropic(ProxyProfile.KEY).body(MESSAGES).post("/v1/messages").then().statusCode(502)
                .body("error.code", equalTo("invalid_provider_response"))
                .body("error.attempts.size()", equalTo(2))
                .body("error.attempts[0].code", equalTo("invalid_provider_response"))
                .body("error.attempts[1].code", equalTo("invalid_provider_response"))
                .body("error.attempts[0].status", equalTo(200));
        assertThat(backends.get("a").requestCount() + backends.get("b").requestCount()).isEqualTo(2);
    }

    @Test
    void anUnreadableAnswerOnOneBackendIsRetriedOnTheOther() {
        backends.get("a").reply(Replies.json(200, "{\"nonsense\":true}"));
        backends.get("b").reply(Replies.json(200, "{\"nonsense\":true}"));
        TestBackend first = backends.get("a");
        // whichever is tried first answers nonsense; the other a real completion
        backends.get("a").reply((request, body, response) -> Replies.json(200,
                backends.get("b").requestCount() > 0 ? Replies.CHAT_COMPLETION : "{\"nonsense\":true}")
                .answer(request, body, response));
        backends.get("b").reply((request, body, response) -> Replies.json(200,
                first.requestCount() > 0 ? Replies.CHAT_COMPLETION : "{\"nonsense\":true}")
                .answer(request, body, response));

        anthropic(ProxyProfile.KEY).body(MESSAGES).post("/v1/messages").then().statusCode(200)
                .body("type", equalTo("message"));
    }

    @Test
    void anAnthropicOverloadedErrorCountsAsA529WhateverItsStatus() {
        // given: the only backend of claude says it is overloaded, once with 529 and once with a 500
        backends.get("d").reply(Replies.json(529,
                "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"));
        openai(ProxyProfile.KEY).body(CHAT).post("/v1/chat/completions").then().statusCode(429)
                .body("error.code", equalTo("rate_limit_exceeded"))
                .body("error.limit", equalTo("provider"))
                .body("error.origin", equalTo("provider"));
        backends.get("d").reply(Replies.json(500,
                "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"));
        // a plain 500 would be a final 502 backend_http_error
        openai(ProxyProfile.KEY).body(CHAT).post("/v1/chat/completions").then().statusCode(429)
                .header("retry-after", "1")
                .body("error.code", equalTo("rate_limit_exceeded"))
                .body("error.limit", equalTo("provider"));
    }

    static final String OVERLOADED_EVENT = "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
            + "\"message\":\"Overloaded\"}}\n\n";

    /** A 200 event stream whose first event is {@code event}, written in pieces of {@code piece} bytes 20 ms apart. */
    static TestBackend.Reply streamOpeningWith(String event, int piece) {
        return (request, body, response) -> {
            response.setChunked(true).putHeader("content-type", "text/event-stream");
            writePieces(response, event, piece);
        };
    }

    private static void writePieces(io.vertx.core.http.HttpServerResponse response, String rest, int piece) {
        if (rest.length() <= piece) {
            response.end(rest);
            return;
        }
        response.write(rest.substring(0, piece));
        TestBackend.vertx().setTimer(20, t -> writePieces(response, rest.substring(piece), piece));
    }

    @Test
    void aStreamWhoseFirstEventIsAnOverloadedErrorCountsAsA529() {
        // given: claude's only backend answers 200 and says it is overloaded before anything else, as Anthropic's API does
        backends.get("d").reply(streamOpeningWith(OVERLOADED_EVENT, Integer.MAX_VALUE));

        // then: nothing had reached the client, so it is the 529 of §9, in each client's form
        openai(ProxyProfile.KEY).body(CHAT.replace("]}", "],\"stream\":true}")).post("/v1/chat/completions").then()
                .statusCode(429)
                .header("retry-after", "1")
                .header("x-request-id", startsWith("req_"))
                .body("error.type", equalTo("rate_limit_error"))
                .body("error.code", equalTo("rate_limit_exceeded"))
                .body("error.limit", equalTo("provider"))
                .body("error.origin", equalTo("provider"));
        anthropic(ProxyProfile.KEY).body(MESSAGES.replace("\"chat\"", "\"claude\"").replace("]}", "],\"stream\":true}"))
                .post("/v1/messages").then()
                .statusCode(429)
                .body("type", equalTo("error"))
                .body("error.type", equalTo("rate_limit_error"))
                .body("error.code", equalTo("rate_limit_exceeded"));

        // and the same when the event comes in pieces
        backends.get("d").reply(streamOpeningWith(OVERLOADED_EVENT, 7));
        openai(ProxyProfile.KEY).body(CHAT.replace("]}", "],\"stream\":true}")).post("/v1/chat/completions").then()
                .statusCode(429)
                .body("error.code", equalTo("rate_limit_exceeded"));
        assertThat(backends.get("d").requestCount()).isEqualTo(3);
    }

    @Test
    void aStreamWhoseFirstEventIsAnOverloadedErrorIsRetriedOnTheOtherBackend() {
        // given: whichever server is tried first says overloaded in its stream, the other answers
        String answer = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\","
                + "\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"usage\":{\"input_tokens\":9,\"output_tokens\":1}}}\n\n"
                + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                + "\"content_block\":{\"type\":\"text\",\"text\":\"fine\"}}\n\n"
                + "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
                + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
                + "\"usage\":{\"output_tokens\":2}}\n\n"
                + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        TestBackend.Reply firstOverloaded = (request, body, response) -> (calls.getAndIncrement() == 0
                ? streamOpeningWith(OVERLOADED_EVENT, Integer.MAX_VALUE)
                : Replies.status(200, answer, "content-type", "text/event-stream"))
                .answer(request, body, response);
        backends.get("d").reply(firstOverloaded);
        backends.get("ad").reply(firstOverloaded);

        String stream = openai(ProxyProfile.KEY).body(CHAT.replace("\"claude\"", "\"claude-pair\"")
                .replace("]}", "],\"stream\":true}")).post("/v1/chat/completions").then()
                .statusCode(200)
                .header("x-sluice-translated", "openai-to-anthropic")
                .extract().asString();

        assertThat(stream).contains("\"content\":\"fine\"").endsWith("data: [DONE]\n\n").doesNotContain("error");
        assertThat(backends.get("d").requestCount() + backends.get("ad").requestCount()).isEqualTo(2);
    }

    @Test
    void aStreamWhoseFirstEventIsAnotherErrorReachesTheClientAsTheStreamsError() {
        // an api_error is no overload: a 200 whose stream ends with one error event (§6.4), as before
        backends.get("d").reply(streamOpeningWith("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":"
                + "\"api_error\",\"message\":\"Internal server error\"}}\n\n", 9));

        String stream = openai(ProxyProfile.KEY).body(CHAT.replace("]}", "],\"stream\":true}"))
                .post("/v1/chat/completions").then()
                .statusCode(200)
                .extract().asString();

        assertThat(stream).startsWith("event: error\n").contains("\"code\":\"backend_stream_error\"");
        assertThat(backends.get("d").requestCount()).isEqualTo(1);
    }

    @Test
    void aBackendsOwnErrorReachesTheClientInItsOwnEnvelope() {
        backends.get("d").reply(Replies.json(400, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                + "\"message\":\"messages: text content blocks must be non-empty\"}}"));

        openai(ProxyProfile.KEY).body(CHAT).post("/v1/chat/completions").then().statusCode(400)
                .header("x-sluice-translated", "openai-to-anthropic")
                .body("error.type", equalTo("invalid_request_error"))
                .body("error.code", equalTo("http_400"))
                .body("error.origin", equalTo("provider"))
                .body("error.message", equalTo("messages: text content blocks must be non-empty"));
    }

    @Test
    void aParameterTheBackendsProtocolCannotCarryIsRefusedBeforeAnythingIsSent() {
        openai(ProxyProfile.KEY).body(CHAT.replace("]}", "],\"logit_bias\":{\"50256\":-100}}"))
                .post("/v1/chat/completions").then().statusCode(400)
                .body("error.code", equalTo("unsupported_parameter"))
                .body("error.param", equalTo("logit_bias"));
        assertThat(backends.get("d").requestCount()).isZero();
    }

    @Test
    void theOtherOpenAiEndpointsDoNotReachAnthropicModels() {
        openai(ProxyProfile.KEY).body("{\"model\":\"claude\",\"input\":\"hi\"}").post("/v1/embeddings").then()
                .statusCode(404)
                .body("error.code", equalTo("model_not_found"));
    }

    @Test
    void translationsAreCounted() {
        backends.get("d").reply(Replies.json(200, Replies.ANTHROPIC_MESSAGE));
        openai(ProxyProfile.KEY).body(CHAT).post("/v1/chat/completions").then().statusCode(200);
        anthropic(ProxyProfile.KEY).body(MESSAGES).post("/v1/messages").then().statusCode(200);

        String scrape = Scrape.now().text();
        assertThat(scrape).containsPattern("sluice_translations_total\\{from=\"openai\",to=\"anthropic\"} [1-9]")
                .containsPattern("sluice_translations_total\\{from=\"anthropic\",to=\"openai\"} [1-9]");
    }

    @Test
    void aMaxTokensOverTheModelsMaxOutputTokensIsLoweredBeforeTheChecksAndForwarding() {
        // given: a model with a 1,000-token window whose answers are capped at 100 tokens
        String asked = "{\"model\":\"capped\",\"max_tokens\":32000,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

        // when: 32,000 would not fit the window; lowered to 100 it does
        openai(ProxyProfile.KEY).body(asked).post("/v1/chat/completions").then().statusCode(200);

        // then: only the number's bytes changed
        assertThat(backends.get("a").last().bodyText()).isEqualTo(asked.replace("32000", "100"));
    }

    @Test
    void aRequestWithoutMaxTokensCountsTheDefaultLoweredToMaxOutputTokens() {
        // given: the same model, whose default-max-tokens (1,024) would not fit its 1,000-token window
        String asked = "{\"model\":\"capped\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

        // when / then: the default counts as an ask of 1,024, lowered to 100: it fits, and the body goes as sent
        openai(ProxyProfile.KEY).body(asked).post("/v1/chat/completions").then().statusCode(200);
        assertThat(backends.get("a").last().bodyText()).isEqualTo(asked);
    }

    @Test
    void everyNameOfTheBudgetIsLoweredAndCheckedNotOnlyTheFirst() {
        // given: max_tokens within the cap and max_completion_tokens (which vLLM and OpenAI read first) past it
        String asked = "{\"model\":\"capped\",\"max_tokens\":50,\"max_completion_tokens\":32000,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

        openai(ProxyProfile.KEY).body(asked).post("/v1/chat/completions").then().statusCode(200);

        assertThat(backends.get("a").last().bodyText()).isEqualTo(asked.replace("32000", "100"));
        // and a budget named twice is refused before anything is sent
        openai(ProxyProfile.KEY).body(asked.replace("\"max_tokens\":50", "\"max_completion_tokens\":5"))
                .post("/v1/chat/completions").then().statusCode(400)
                .body("error.code", equalTo("invalid_json"));
        assertThat(backends.get("a").requestCount()).isEqualTo(1);
    }

    @Test
    void aTranslatedRequestIsCappedByMaxOutputTokensToo() {
        backends.get("d").reply(Replies.json(200, Replies.ANTHROPIC_MESSAGE));

        openai(ProxyProfile.KEY).body(CHAT.replace("\"claude\"", "\"claude-capped\"").replace("]}", "],\"max_tokens\":32000}"))
                .post("/v1/chat/completions").then().statusCode(200);

        assertThat(new JsonObject(backends.get("d").last().bodyText()).getInteger("max_tokens")).isEqualTo(2048);
    }
}
