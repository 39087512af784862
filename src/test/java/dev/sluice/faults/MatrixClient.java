package dev.sluice.faults;

import dev.sluice.faults.FaultMatrix.Body;
import dev.sluice.faults.FaultMatrix.Disconnect;
import dev.sluice.testing.Backends;
import dev.sluice.testing.TestBackend;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URL;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The client of the fault matrix: one chat request on a connection of its own (a Vert.x HTTP client, as an SDK would
 * hold one), read to its end, or left at the stage the cell says by closing the connection: once a backend holds the
 * request, as soon as the answer's headers arrive, after the third chunk of its body, or once a stream's final event
 * arrived. Reports exactly what came back and how the answer ended.
 */
final class MatrixClient {

    /**
     * What the client saw.
     *
     * @param status the answer's status, 0 when none came (the client left first)
     * @param ended true when the answer ended normally (the whole body read)
     * @param broken the failure that ended the answer's body early (the connection closed under it), or null
     */
    record Answer(int status, MultiMap headers, String body, boolean ended, Throwable broken) {
        String header(String name) {
            return headers == null ? null : headers.get(name);
        }
    }

    private MatrixClient() {
    }

    static String requestBody(String model, Body body) {
        return "{\"model\":\"" + model + "\",\"max_tokens\":" + FaultMatrix.MAX_TOKENS
                + (body == Body.STREAM ? ",\"stream\":true" : "")
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"abcdefgh\"}]}";
    }

    /**
     * Sends one cell's request and reads its answer.
     *
     * @param whileBackendHolds run (on this thread) once a backend has received the request, before the client
     *     leaves; may be null
     */
    static Answer send(URL proxy, FaultMatrix.Cell cell, String requestId, Backends backends, Runnable whileBackendHolds)
            throws Exception {
        Disconnect disconnect = cell.fault().disconnect();
        HttpClient client = TestBackend.vertx().createHttpClient();
        try {
            CompletableFuture<Answer> done = new CompletableFuture<>();
            AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
            RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(proxy.getHost())
                    .setPort(proxy.getPort()).setURI("/v1/chat/completions")
                    .putHeader("authorization", "Bearer " + cell.key())
                    .putHeader("content-type", "application/json")
                    .putHeader("x-request-id", requestId);
            String body = requestBody(cell.fault().model(), cell.body());
            client.request(options).onFailure(done::completeExceptionally).onSuccess(request -> {
                sent.set(request);
                request.send(body).onComplete(answered -> {
                    if (answered.failed()) {
                        // no answer: the client closed its connection first
                        done.complete(new Answer(0, null, "", false, answered.cause()));
                    } else {
                        read(answered.result(), disconnect, done);
                    }
                });
            });
            if (disconnect == Disconnect.BEFORE_ANSWER || whileBackendHolds != null) {
                awaitABackendHoldsIt(backends);
                if (whileBackendHolds != null) {
                    whileBackendHolds.run();
                }
                if (disconnect == Disconnect.BEFORE_ANSWER) {
                    sent.get().connection().close();
                }
            }
            return done.get(10, TimeUnit.SECONDS);
        } finally {
            client.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
    }

    private static void read(HttpClientResponse response, Disconnect disconnect, CompletableFuture<Answer> done) {
        StringBuilder text = new StringBuilder();
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(response.headers());
        if (disconnect == Disconnect.AFTER_HEADERS) {
            response.exceptionHandler(closedByUs -> {
            });
            response.request().connection().close();
            done.complete(new Answer(response.statusCode(), headers, "", false, null));
            return;
        }
        AtomicInteger chunks = new AtomicInteger();
        response.handler(chunk -> {
            text.append(chunk.toString());
            boolean leave = disconnect == Disconnect.HALF_WAY && chunks.incrementAndGet() == 3
                    || disconnect == Disconnect.AFTER_FINAL_EVENT && text.indexOf("data: [DONE]\n\n") >= 0;
            if (leave) {
                response.request().connection().close();
                done.complete(new Answer(response.statusCode(), headers, text.toString(), false, null));
            }
        });
        response.endHandler(end -> done.complete(new Answer(response.statusCode(), headers, text.toString(), true, null)));
        response.exceptionHandler(failure -> done.complete(
                new Answer(response.statusCode(), headers, text.toString(), false, failure)));
    }

    private static void awaitABackendHoldsIt(Backends backends) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            for (String name : FaultMatrix.BACKENDS) {
                if (backends.get(name).requestCount() > 0) {
                    return;
                }
            }
            TimeUnit.MILLISECONDS.sleep(2);
        }
        throw new AssertionError("no backend received the request within 5 s");
    }
}
