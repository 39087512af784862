package dev.sluice.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.Api;
import dev.sluice.testing.Backends;
import dev.sluice.testing.ClientCalls;
import dev.sluice.testing.InjectBackends;
import dev.sluice.testing.ProxyProfile;
import dev.sluice.testing.Replies;
import dev.sluice.testing.TestBackend;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Streams (contract §6.4): relayed as they arrive, committed on the first chunk, broken streams, cancellation. */
@QuarkusTest
@TestProfile(ProxyProfile.class)
class StreamingTest {

    private static final String STREAM = "{\"model\":\"chat\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @InjectBackends
    Backends backends;
    static HttpClient client;

    @TestHTTPResource("/")
    URL proxy;

    @BeforeAll
    static void start() {
        client = TestBackend.vertx().createHttpClient();
    }

    @AfterAll
    static void stop() {
        client.close();
    }

    @BeforeEach
    void reset() {
        backends.resetAll();
    }

    /** One chunk as the client saw it, with when it arrived. */
    record Chunk(long atMillis, String text) {
    }

    record Streamed(int status, String contentType, List<Chunk> chunks, long startMillis) {
        String body() {
            StringBuilder text = new StringBuilder();
            chunks.forEach(chunk -> text.append(chunk.text()));
            return text.toString();
        }
    }

    private Streamed post(String path, String body, String... headers) throws Exception {
        CompletableFuture<Streamed> done = new CompletableFuture<>();
        List<Chunk> chunks = new CopyOnWriteArrayList<>();
        long start = System.nanoTime();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(proxy.getHost())
                .setPort(proxy.getPort()).setURI(path)
                .putHeader("authorization", "Bearer " + ProxyProfile.KEY).putHeader("content-type", "application/json");
        for (int i = 0; i + 1 < headers.length; i += 2) {
            options.putHeader(headers[i], headers[i + 1]);
        }
        ClientCalls.send(client, options, body, response -> {
            response.handler(chunk -> chunks.add(new Chunk((System.nanoTime() - start) / 1_000_000, chunk.toString())));
            response.endHandler(end -> done.complete(new Streamed(response.statusCode(),
                    response.getHeader("content-type"), chunks, 0)));
            response.exceptionHandler(done::completeExceptionally);
        }).onFailure(done::completeExceptionally);
        return done.get(10, TimeUnit.SECONDS);
    }

    @Test
    void relaysEveryChunkAsItArrives() throws Exception {
        backends.get("a").reply(Replies.sse(3, 250));
        backends.get("b").reply(Replies.sse(3, 250));

        Streamed streamed = post("/v1/chat/completions", STREAM);

        assertThat(streamed.status()).isEqualTo(200);
        assertThat(streamed.contentType()).isEqualTo("text/event-stream");
        assertThat(streamed.body()).contains("tok0", "tok1", "tok2").endsWith("data: [DONE]\n\n");
        // the first chunk reached the client well before the backend sent the last one (500 ms later)
        Chunk first = streamed.chunks().get(0);
        Chunk last = streamed.chunks().get(streamed.chunks().size() - 1);
        assertThat(first.text()).contains("tok0");
        assertThat(last.atMillis() - first.atMillis()).isGreaterThanOrEqualTo(400);
    }

    @Test
    void aBackendThatFailsBeforeItsFirstChunkIsRetriedAndNeverCommitsA200() throws Exception {
        backends.get("a").reply(Replies.headersThenClose(50));
        backends.get("b").reply(Replies.headersThenClose(50));

        Streamed streamed = post("/v1/chat/completions", STREAM);

        assertThat(streamed.status()).isEqualTo(502);
        assertThat(streamed.contentType()).isEqualTo("application/json");
        JsonObject error = new JsonObject(streamed.body()).getJsonObject("error");
        assertThat(error.getString("code")).isEqualTo("invalid_provider_response");
        assertThat(error.getJsonArray("attempts")).hasSize(2);
        // the backend answered its status line: not a connection failure, and the attempts say 200 (§3.1)
        for (int i = 0; i < 2; i++) {
            JsonObject attempt = error.getJsonArray("attempts").getJsonObject(i);
            assertThat(attempt.getString("code")).isEqualTo("invalid_provider_response");
            assertThat(attempt.getInteger("status")).isEqualTo(200);
        }
    }

    @Test
    void aBackendThatStallsBeforeItsFirstChunkTimesOut() throws Exception {
        backends.get("a").reply(Replies.sseStalling(0));
        backends.get("b").reply(Replies.sseStalling(0));

        Streamed streamed = post("/v1/chat/completions", STREAM);

        assertThat(streamed.status()).isEqualTo(504);
        JsonObject error = new JsonObject(streamed.body()).getJsonObject("error");
        assertThat(error.getString("code")).isEqualTo("backend_timeout");
        // the backend answered its status line before it stalled: the attempt says so (§3.1)
        assertThat(error.getJsonArray("attempts").getJsonObject(0).getInteger("status")).isEqualTo(200);
    }

    @Test
    void aStreamThatBreaksAfterTheFirstByteEndsWithOneErrorEvent() throws Exception {
        backends.get("a").reply(Replies.sseBreaking(5, 20, 2));
        backends.get("b").reply(Replies.sseBreaking(5, 20, 2));

        Streamed streamed = post("/v1/chat/completions", STREAM, "x-request-id", "req_00000000abcd");

        assertThat(streamed.status()).isEqualTo(200);
        String body = streamed.body();
        assertThat(body).contains("tok0", "tok1").doesNotContain("tok2");
        int at = body.indexOf("event: error\ndata: ");
        assertThat(at).isPositive();
        assertThat(body.indexOf("event: error", at + 1)).isEqualTo(-1);
        String data = body.substring(at + "event: error\ndata: ".length()).trim();
        JsonObject error = new JsonObject(data).getJsonObject("error");
        assertThat(error.getString("type")).isEqualTo("server_error");
        assertThat(error.getString("code")).isEqualTo("backend_stream_error");
        assertThat(error.getString("model")).isEqualTo("chat");
        assertThat(error.getString("request_id")).isEqualTo("req_00000000abcd");
        assertThat(error.getString("origin")).isEqualTo("router");
        assertThat(body).endsWith("\n\n");
    }

    /**
     * The close comes with the first chunk, before the relay has taken over the backend's response: it must still end
     * the client's stream at once as broken, not after the idle timeout as stalled (nor never).
     */
    @Test
    void aStreamClosedRightAfterItsFirstChunkEndsAtOnceAsBroken() throws Exception {
        backends.get("a").reply(Replies.sseClosedAfterFirstChunk());
        backends.get("b").reply(Replies.sseClosedAfterFirstChunk());

        for (int i = 0; i < 10; i++) {
            Streamed streamed = post("/v1/chat/completions", STREAM);

            assertThat(streamed.status()).isEqualTo(200);
            assertThat(streamed.body()).contains("tok0").contains("event: error").contains("backend_stream_error")
                    .contains("broke off before it was complete").doesNotContain("stalled");
        }
    }

    /** Answers {@code events} as one event stream, then ends it cleanly. */
    private static TestBackend.Reply streamOf(String... events) {
        return (request, received, response) -> {
            response.setChunked(true).putHeader("content-type", "text/event-stream");
            for (String event : events) {
                response.write(event);
            }
            TestBackend.vertx().setTimer(20, t -> response.end());
        };
    }

    @Test
    void aStreamTheBackendEndsCleanlyBeforeItsAnswerIsOverEndsWithAnErrorEvent() throws Exception {
        backends.get("a").reply(streamOf(Replies.chunk(0).toString()));
        backends.get("b").reply(streamOf(Replies.chunk(0).toString()));

        Streamed streamed = post("/v1/chat/completions", STREAM);

        assertThat(streamed.status()).isEqualTo(200);
        String body = streamed.body();
        assertThat(body).startsWith(Replies.chunk(0).toString());
        String data = body.substring(body.indexOf("event: error\ndata: ") + "event: error\ndata: ".length()).trim();
        JsonObject error = new JsonObject(data).getJsonObject("error");
        assertThat(error.getString("code")).isEqualTo("backend_stream_error");
        assertThat(error.getString("message")).isEqualTo("The backend's stream ended before the answer was complete.");
    }

    @Test
    void aStreamWithoutItsDoneLineIsWholeOnceItsFinishReasonCame() throws Exception {
        String last = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                + "\"delta\":{},\"finish_reason\": \"stop\"}]}\n\n";
        backends.get("a").reply(streamOf(Replies.chunk(0).toString(), last));
        backends.get("b").reply(streamOf(Replies.chunk(0).toString(), last));

        Streamed streamed = post("/v1/chat/completions", STREAM);

        assertThat(streamed.body()).isEqualTo(Replies.chunk(0) + last);
    }

    /** An event stream written in {@code parts}, {@code gapMillis} apart (each its own read at the proxy), then ended. */
    private static TestBackend.Reply streamInParts(long gapMillis, String... parts) {
        return Replies.inParts(200, "text/event-stream", gapMillis, parts);
    }

    @Test
    void aFinalLineSplitAcrossTwoReadsEndsTheStreamWhole() throws Exception {
        // given: the backend's last line reaches the proxy in two reads, as TCP may cut it anywhere
        String chunk = Replies.chunk(0).toString();
        backends.get("a").reply(streamInParts(30, chunk, "data: [DO", "NE]\n", "\n"));
        backends.get("b").reply(streamInParts(30, chunk, "data: [DO", "NE]\n", "\n"));
        String start = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\","
                + "\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"stop_reason\":null,"
                + "\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n";
        backends.get("d").reply(streamInParts(30, start, "event: mes", "sage_stop\ndata: {\"type\":\"message_stop\"}\n\n"));

        // when
        String openai = post("/v1/chat/completions", STREAM).body();
        String anthropic = post("/v1/messages",
                "{\"model\":\"claude\",\"stream\":true,\"max_tokens\":5,\"messages\":[]}").body();

        // then: the answers as the backends sent them, without an error event after their end
        assertThat(openai).isEqualTo(chunk + "data: [DONE]\n\n");
        assertThat(anthropic).isEqualTo(start + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    }

    @Test
    void aFinalLineWithoutItsLineEndIsWholeWhenTheBackendEndsOrStallsRightAfterIt() throws Exception {
        String chunk = Replies.chunk(0).toString();
        // ended with the line
        backends.get("a").reply(streamInParts(30, chunk, "data: [DONE]"));
        backends.get("b").reply(streamInParts(30, chunk, "data: [DONE]"));
        String ended = post("/v1/chat/completions", STREAM).body();
        // stalled after it, past the profile's 400 ms idle timeout
        TestBackend.Reply stalling = (request, received, response) -> response.setChunked(true)
                .putHeader("content-type", "text/event-stream").write(chunk + "data: [DONE]");
        backends.get("a").reply(stalling);
        backends.get("b").reply(stalling);
        String stalled = post("/v1/chat/completions", STREAM).body();

        assertThat(ended).isEqualTo(chunk + "data: [DONE]");
        assertThat(stalled).isEqualTo(chunk + "data: [DONE]");
    }

    @Test
    void anAnthropicStreamEndedBeforeItsStopReasonEndsWithTheAnthropicErrorEvent() throws Exception {
        String start = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\","
                + "\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"stop_reason\":null,"
                + "\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n";
        String delta = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                + "\"delta\":{\"type\":\"text_delta\",\"text\":\"hel\"}}\n\n";
        String stop = "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
                + "\"end_turn\"},\"usage\":{\"output_tokens\":2}}\n\n";
        String request = "{\"model\":\"claude\",\"stream\":true,\"max_tokens\":5,\"messages\":[]}";

        backends.get("d").reply(streamOf(start, delta));
        String cut = post("/v1/messages", request).body();
        backends.get("d").reply(streamOf(start, delta, stop));
        String whole = post("/v1/messages", request).body();

        assertThat(cut).startsWith(start + delta).contains("event: error\ndata: {\"type\":\"error\"")
                .contains("backend_stream_error");
        assertThat(whole).isEqualTo(start + delta + stop);
    }

    @Test
    void anIdleGapLongerThanTheIdleTimeoutBreaksTheStream() throws Exception {
        backends.get("a").reply(Replies.sseStalling(2));
        backends.get("b").reply(Replies.sseStalling(2));

        Streamed streamed = post("/v1/chat/completions", STREAM);

        assertThat(streamed.status()).isEqualTo(200);
        assertThat(streamed.body()).contains("tok1").contains("event: error").contains("backend_stream_error")
                .contains("stalled for longer than the idle timeout");
    }

    @Test
    void anthropicStreamsBreakWithTheAnthropicEnvelope() throws Exception {
        backends.get("d").reply(Replies.sseBreaking(4, 10, 1));

        Streamed streamed = post("/v1/messages", "{\"model\":\"claude\",\"stream\":true,\"max_tokens\":5,\"messages\":[]}");

        String body = streamed.body();
        String data = body.substring(body.indexOf("event: error\ndata: ") + "event: error\ndata: ".length()).trim();
        JsonObject envelope = new JsonObject(data);
        assertThat(envelope.getString("type")).isEqualTo("error");
        assertThat(envelope.getJsonObject("error").getString("code")).isEqualTo("backend_stream_error");
    }

    @Test
    void aClientThatGoesAwayCancelsTheUpstreamRequest() throws Exception {
        backends.get("a").reply(Replies.sse(200, 20));
        backends.get("b").reply(Replies.sse(200, 20));
        int closedBefore = backends.get("a").closedConnections() + backends.get("b").closedConnections();

        CompletableFuture<Void> firstChunk = new CompletableFuture<>();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(proxy.getHost())
                .setPort(proxy.getPort()).setURI("/v1/chat/completions")
                .putHeader("authorization", "Bearer " + ProxyProfile.KEY);
        ClientCalls.send(client, options, STREAM, response -> response.handler(chunk -> {
            if (!firstChunk.isDone()) {
                firstChunk.complete(null);
                response.request().connection().close();
            }
        }));
        firstChunk.get(5, TimeUnit.SECONDS);

        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (backends.get("a").closedConnections() + backends.get("b").closedConnections() == closedBefore
                && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        // the backend saw its connection closed long before its 4-second stream would have ended
        assertThat(backends.get("a").closedConnections() + backends.get("b").closedConnections()).isGreaterThan(closedBefore);
    }

    @Test
    void aSlowClientHoldsTheBackendBackInsteadOfBufferingTheStream() throws Exception {
        long total = 128L * 1024 * 1024;
        AtomicLong written = new AtomicLong();
        backends.get("a").reply(Replies.firehose(total, written));
        backends.get("b").reply(Replies.firehose(total, written));

        CompletableFuture<HttpClientResponse> headers = new CompletableFuture<>();
        AtomicLong received = new AtomicLong();
        CompletableFuture<Void> ended = new CompletableFuture<>();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(proxy.getHost())
                .setPort(proxy.getPort()).setURI("/v1/chat/completions")
                .putHeader("authorization", "Bearer " + ProxyProfile.KEY);
        ClientCalls.send(client, options, STREAM, response -> {
            response.pause();
            response.handler(chunk -> received.addAndGet(chunk.length()));
            response.endHandler(end -> ended.complete(null));
            headers.complete(response);
        });
        HttpClientResponse response = headers.get(5, TimeUnit.SECONDS);

        // when the client reads nothing for longer than the idle timeout (400 ms)
        Thread.sleep(700);
        long writtenWhilePaused = written.get();

        // then the backend was stopped far short of the whole answer (socket buffers only)
        assertThat(writtenWhilePaused).isLessThan(48L * 1024 * 1024);
        response.resume();
        ended.get(30, TimeUnit.SECONDS);
        assertThat(received.get()).isEqualTo(total + Replies.FIREHOSE_END.length());
    }


    @Test
    void aBodyOfDeclaredLengthArrivingInSeveralChunksEndsWithoutAnError() throws Exception {
        // given: backends that declare their body's length and send it in three parts, 20 ms apart. The relay used
        // to ask the client's response whether its queue was full right after the last part had ended it, which
        // Vert.x answers with "Response has already been written" at ERROR
        String body = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"choices\":[]}";
        for (String name : List.of("a", "b")) {
            backends.get(name).reply((request, received, response) -> {
                response.putHeader("content-type", "application/json")
                        .putHeader("content-length", Integer.toString(body.length()));
                response.write(body.substring(0, 10));
                TestBackend.vertx().setTimer(20, t1 -> {
                    response.write(body.substring(10, 30));
                    TestBackend.vertx().setTimer(20, t2 -> response.end(body.substring(30)));
                });
            });
        }

        // when
        try (dev.sluice.testing.ErrorLog errors = dev.sluice.testing.ErrorLog.open()) {
            for (int i = 0; i < 10; i++) {
                String answer = dev.sluice.testing.Api.openai(ProxyProfile.KEY)
                        .body(Api.chat("chat"))
                        .post("/v1/chat/completions").then().statusCode(200).extract().asString();
                assertThat(answer).isEqualTo(body);
            }
            Thread.sleep(100);

            // then
            assertThat(errors.lines()).isEmpty();
        }
    }

    /** Writes {@code parts} of an event stream 20 ms apart (each its own read at the proxy), then resets the stream. */
    private static TestBackend.Reply partsThenReset(String... parts) {
        return (request, received, response) -> {
            response.setChunked(true).putHeader("content-type", "text/event-stream");
            writeThenReset(response, parts, 0);
        };
    }

    private static void writeThenReset(io.vertx.core.http.HttpServerResponse response, String[] parts, int next) {
        if (response.closed()) {
            return;
        }
        if (next == parts.length) {
            response.reset();
            return;
        }
        response.write(parts[next]);
        TestBackend.vertx().setTimer(20, t -> writeThenReset(response, parts, next + 1));
    }

    /** An Anthropic stream's first event, as the model "claude" sends it. */
    private static String messageStart() {
        return "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\","
                + "\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude\","
                + "\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n";
    }

    /** The events of a stream as a client's parser takes them: text up to each blank line. */
    private static List<String> events(String body) {
        List<String> events = new java.util.ArrayList<>(List.of(body.split("\n\n", -1)));
        assertThat(events.remove(events.size() - 1)).as("nothing after the last blank line").isEmpty();
        return events;
    }

    @Test
    void aStreamCutInsideAnEventEndsWithTheErrorEventAfterTheLastWholeOne() throws Exception {
        // given: a backend that breaks off half way through its second event
        String first = Replies.chunk(0).toString();
        for (String name : List.of("a", "b")) {
            backends.get(name).reply(partsThenReset(first, "data: {\"id\":\"c\",\"object\":\"chat.comp"));
        }

        // when
        Streamed streamed = post("/v1/chat/completions", STREAM, "x-request-id", "req_00000000cafe");

        // then: the whole event, then the error event on its own (it used to follow the half event on its line)
        List<String> events = events(streamed.body());
        assertThat(events).hasSize(2);
        assertThat(events.get(0) + "\n\n").isEqualTo(first);
        assertThat(events.get(1)).startsWith("event: error\ndata: ");
        JsonObject error = new JsonObject(events.get(1).substring("event: error\ndata: ".length()))
                .getJsonObject("error");
        assertThat(error.getString("code")).isEqualTo("backend_stream_error");
        assertThat(error.getString("request_id")).isEqualTo("req_00000000cafe");
    }

    @Test
    void anAnthropicStreamCutInsideAnEventEndsWithTheAnthropicErrorEventOnItsOwn() throws Exception {
        // given: an Anthropic backend cut just after the first letter of a data line
        String start = messageStart();
        backends.get("d").reply(partsThenReset(start, "event: content_block_delta\nd"));

        // when
        Streamed streamed = post("/v1/messages", "{\"model\":\"claude\",\"stream\":true,\"max_tokens\":5,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        // then: no "devent: error" line, and the error's data is the error event's own
        List<String> events = events(streamed.body());
        assertThat(events).hasSize(2);
        assertThat(events.get(0) + "\n\n").isEqualTo(start);
        assertThat(events.get(1)).startsWith("event: error\ndata: ");
        JsonObject envelope = new JsonObject(events.get(1).substring("event: error\ndata: ".length()));
        assertThat(envelope.getString("type")).isEqualTo("error");
        assertThat(envelope.getJsonObject("error").getString("code")).isEqualTo("backend_stream_error");
    }

    @Test
    void anEventSplitAcrossReadsGoesOutWholeAndTheBytesAreTheBackends() throws Exception {
        // given: one event in three reads, 20 ms apart, its blank line in the last, then the final event
        String event = Replies.chunk(0).toString();
        for (String name : List.of("a", "b")) {
            backends.get(name).reply(Replies.inParts(200, "text/event-stream", 20, event.substring(0, 12),
                    event.substring(12, event.length() - 1), "\ndata: [DONE]\n\n"));
        }

        // when
        Streamed streamed = post("/v1/chat/completions", STREAM);

        // then: the same bytes, and no read of the client's ends inside an event
        assertThat(streamed.body()).isEqualTo(event + "data: [DONE]\n\n");
        for (Chunk chunk : streamed.chunks()) {
            assertThat(chunk.text()).endsWith("\n\n");
        }
    }

    @Test
    void aBackendsOwnErrorEventEndsTheStreamWithoutASecondOneAndCountsAsBroken() throws Exception {
        // given: an Anthropic backend that reports an error inside its stream, then ends it (as Anthropic's API does)
        String start = messageStart();
        String error = "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
                + "\"message\":\"Overloaded\"}}\n\n";
        backends.get("d").reply(Replies.inParts(200, "text/event-stream", 20, start, error));
        double before = dev.sluice.testing.Scrape.now().value("sluice_requests_total", "model", "claude", "code",
                "backend_stream_error");

        // when
        Streamed streamed = post("/v1/messages", "{\"model\":\"claude\",\"stream\":true,\"max_tokens\":5,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        // then: the backend's events as they came, its error the only one (the proxy used to add its own after it)
        assertThat(streamed.body()).isEqualTo(start + error);
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (dev.sluice.testing.Scrape.now().value("sluice_requests_total", "model", "claude", "code",
                "backend_stream_error") == before && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(dev.sluice.testing.Scrape.now().value("sluice_requests_total", "model", "claude", "code",
                "backend_stream_error")).isEqualTo(before + 1);
    }

    @Test
    void aBackendCutInsideItsOwnErrorEventGetsTheProxysErrorEvent() throws Exception {
        // given: the error event's line came, its data never did
        String start = messageStart();
        backends.get("d").reply(Replies.inParts(200, "text/event-stream", 20, start, "event: error\n"));

        // when
        Streamed streamed = post("/v1/messages", "{\"model\":\"claude\",\"stream\":true,\"max_tokens\":5,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        // then
        List<String> events = events(streamed.body());
        assertThat(events).hasSize(2);
        assertThat(events.get(1)).startsWith("event: error\ndata: {\"type\":\"error\"").contains("backend_stream_error");
    }
}
