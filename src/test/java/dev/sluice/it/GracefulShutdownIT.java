package dev.sluice.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.Backends;
import dev.sluice.testing.ClientCalls;
import dev.sluice.testing.Replies;
import dev.sluice.testing.SluiceProcess;
import dev.sluice.testing.TestBackend;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM (contract: graceful shutdown): readiness goes DOWN, streams in flight finish within the grace, streams
 * still running at its end are cut with an {@code event: error}, and the process exits.
 */
class GracefulShutdownIT {

    static final String STREAM = "{\"model\":\"chat\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    static Backends backends;
    static HttpClient client;

    @BeforeAll
    static void start() {
        backends = Backends.start("gs");
        client = TestBackend.vertx().createHttpClient();
    }

    @AfterAll
    static void stop() {
        backends.close();
        client.close();
    }

    static SluiceProcess sluice(String grace) {
        return SluiceProcess.start("graceful", """
                sluice:
                  shutdown-grace: %s
                  accounts:
                    acme: {concurrency: 10}
                  keys:
                    - {key: sk-acme, account: acme}
                  models:
                    chat:
                      backends:
                        - {name: gs, url: "%s"}
                """.formatted(grace, "http://127.0.0.1:" + backends.get("gs").port()), Map.of());
    }

    /** Streams a chat completion; completes with everything the client received once the response ends. */
    static CompletableFuture<String> stream(SluiceProcess sluice, CompletableFuture<Void> firstChunk) {
        CompletableFuture<String> body = new CompletableFuture<>();
        StringBuilder received = new StringBuilder();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
                .setPort(sluice.port()).setURI("/v1/chat/completions")
                .putHeader("authorization", "Bearer sk-acme").putHeader("content-type", "application/json");
        ClientCalls.send(client, options, STREAM, response -> {
            response.handler(chunk -> {
                received.append(chunk.toString());
                firstChunk.complete(null);
            });
            response.endHandler(end -> body.complete(received.toString()));
            response.exceptionHandler(failure -> body.complete(received + "<<broken: " + failure.getMessage() + ">>"));
        }).onFailure(body::completeExceptionally);
        return body;
    }

    static int readiness(SluiceProcess sluice) throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(sluice.managementUrl("/q/health/ready"))).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void aStreamInFlightFinishesWithinTheGraceAndTheProcessExits() throws Exception {
        backends.get("gs").reply(Replies.sse(10, 100));
        SluiceProcess sluice = sluice("10s");
        try {
            CompletableFuture<Void> firstChunk = new CompletableFuture<>();
            CompletableFuture<String> body = stream(sluice, firstChunk);
            firstChunk.get(10, TimeUnit.SECONDS);

            sluice.terminate();
            Thread.sleep(200);
            assertThat(readiness(sluice)).isEqualTo(503);

            String received = body.get(10, TimeUnit.SECONDS);
            assertThat(received).contains("tok9").endsWith("data: [DONE]\n\n").doesNotContain("event: error");
            assertThat(sluice.awaitExit(10)).isTrue();
        } finally {
            sluice.kill();
        }
    }

    @Test
    void aStreamStillRunningWhenTheGraceEndsIsCutWithAnErrorEvent() throws Exception {
        backends.get("gs").reply(Replies.sse(300, 100));
        SluiceProcess sluice = sluice("1s");
        try {
            CompletableFuture<Void> firstChunk = new CompletableFuture<>();
            CompletableFuture<String> body = stream(sluice, firstChunk);
            firstChunk.get(10, TimeUnit.SECONDS);
            long terminatedAt = System.nanoTime();

            sluice.terminate();

            String received = body.get(10, TimeUnit.SECONDS);
            long cutAfter = (System.nanoTime() - terminatedAt) / 1_000_000;
            assertThat(received).contains("tok0").contains("event: error\ndata: ")
                    .contains("\"code\":\"backend_stream_error\"").contains("shutting down");
            assertThat(cutAfter).isBetween(900L, 5_000L);
            assertThat(sluice.awaitExit(10)).isTrue();
        } finally {
            sluice.kill();
        }
    }

    @Test
    void aRequestStillWaitingForItsBackendWhenTheGraceEndsIsAnsweredWithItsAttempts() throws Exception {
        // the backend takes 20 s to answer; the grace is 1 s
        backends.get("gs").reply(Replies.delayed(20_000, Replies.json(200, Replies.CHAT_COMPLETION)));
        SluiceProcess sluice = sluice("1s");
        try {
            CompletableFuture<HttpResponse<String>> answer = java.net.http.HttpClient.newHttpClient().sendAsync(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sluice.port() + "/v1/chat/completions"))
                            .header("authorization", "Bearer sk-acme").header("content-type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(STREAM.replace("\"stream\":true,", ""))).build(),
                    HttpResponse.BodyHandlers.ofString());
            Thread.sleep(500);

            sluice.terminate();

            HttpResponse<String> cut = answer.get(10, TimeUnit.SECONDS);
            // the backend had the request: not a connect error; it did not answer in the time left
            assertThat(cut.statusCode()).isEqualTo(504);
            assertThat(cut.headers().firstValue("connection")).hasValue("close");
            io.vertx.core.json.JsonObject error = new io.vertx.core.json.JsonObject(cut.body()).getJsonObject("error");
            assertThat(error.getString("code")).isEqualTo("backend_timeout");
            assertThat(error.getString("message")).contains("shutting down");
            // the fields of its code (§3.1): the model asked for, and the attempt the shutdown cut
            assertThat(error.getString("model")).isEqualTo("chat");
            assertThat(error.getJsonArray("attempts")).hasSize(1);
            assertThat(error.getJsonArray("attempts").getJsonObject(0).getString("backend")).isEqualTo("gs");
            assertThat(sluice.awaitExit(10)).isTrue();
        } finally {
            sluice.kill();
        }
    }
}
