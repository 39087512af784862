package dev.sluice.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.FullListenQueueResource;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The gate in front of a backend's connection pool, against real servers: one that answers after a delay, and one whose
 * listen queue is full, so that the kernel drops the SYNs sent to it and connects hang as they do in a burst.
 */
@Timeout(30)
class ConnectGateTest {

    private final Vertx vertx = Vertx.vertx();
    private final Context context = vertx.getOrCreateContext();
    private final List<Closeable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (Closeable closeable : closing) {
            closeable.close();
        }
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    /** A call whose caller can give it up, as a route gives up an attempt. */
    private static final class TestCall implements ConnectGate.Call {
        volatile boolean cancelled;
        volatile Runnable withdraw;

        @Override
        public boolean cancelled() {
            return cancelled;
        }

        @Override
        public void waiting(Runnable withdraw) {
            this.withdraw = withdraw;
        }
    }

    /** A server answering 200 {@code delayMillis} after each request. */
    private int slowServer(long delayMillis) {
        HttpServer server = vertx.createHttpServer().requestHandler(request -> vertx.setTimer(delayMillis,
                timer -> request.response().end("ok")));
        return server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().join().actualPort();
    }

    /** A port whose listen queue is full and never read: the kernel drops the SYNs sent to it. */
    private int fullListenQueue() {
        return FullListenQueueResource.open(closing);
    }

    /** A client with one pooled connection, so that a second request waits in the pool for the first to end. */
    private HttpClient clientOfOneConnection() {
        return vertx.httpClientBuilder().with(new HttpClientOptions().setKeepAlive(true))
                .with(new PoolOptions().setHttp1MaxSize(1).setMaxWaitQueueSize(-1)).build();
    }

    private static RequestOptions options(int port, long connectTimeoutMillis) {
        return new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port).setURI("/")
                .setConnectTimeout(connectTimeoutMillis);
    }

    /** Sends one request through the gate on the test's event loop: its status, or its failure's message. */
    private CompletableFuture<String> send(ConnectGate gate, HttpClient client, RequestOptions options,
            ConnectGate.Call call) {
        CompletableFuture<String> outcome = new CompletableFuture<>();
        context.runOnContext(go -> sendHere(gate, client, options, call, outcome));
        return outcome;
    }

    /** {@link #send}, called on the test's event loop. */
    private void sendHere(ConnectGate gate, HttpClient client, RequestOptions options, ConnectGate.Call call,
            CompletableFuture<String> outcome) {
        gate.request(vertx, client, options, call)
                .compose(request -> request.send().compose(response -> response.body()
                        .map(body -> String.valueOf(response.statusCode()))))
                .onComplete(done -> outcome.complete(done.succeeded() ? done.result()
                        : (done.cause() instanceof UpstreamFailure failure ? "failed: " + failure.kind()
                                : "failed: " + done.cause().getMessage())));
    }

    private void onLoop(Runnable task) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        context.runOnContext(go -> {
            try {
                task.run();
                done.complete(null);
            } catch (Throwable failure) {
                done.completeExceptionally(failure);
            }
        });
        done.join();
    }

    @Test
    void noMoreThanItsLimitAskThePoolAtOnceAndTheOthersGoInOrder() {
        int port = slowServer(100);
        HttpClient client = clientOfOneConnection();
        ConnectGate gate = new ConnectGate("127.0.0.1:" + port, 2);
        List<Integer> ended = new CopyOnWriteArrayList<>();
        List<CompletableFuture<String>> outcomes = new ArrayList<>();
        onLoop(() -> {
            for (int i = 0; i < 5; i++) {
                int index = i;
                CompletableFuture<String> outcome = new CompletableFuture<>();
                sendHere(gate, client, options(port, 2_000), new TestCall(), outcome);
                outcomes.add(outcome.whenComplete((status, failure) -> ended.add(index)));
            }
            // two ask the pool (one connects, one waits for that connection); three wait for a turn
            assertThat(gate.waiting()).isEqualTo(3);
        });

        assertThat(outcomes).allSatisfy(outcome -> assertThat(outcome.join()).isEqualTo("200"));
        assertThat(ended).containsExactly(0, 1, 2, 3, 4);
        assertThat(gate.waiting()).isZero();
    }

    @Test
    void aWaitingRequestWaitsOnPastItsConnectTimeoutWhileConnectionsKeepOpening() {
        // each answer takes 100 ms and the pool has one connection: the seventh request obtains it after 600 ms,
        // past its 400 ms connect timeout, but connections to the address opened all along (every 100 ms)
        int port = slowServer(100);
        HttpClient client = clientOfOneConnection();
        // the pool's connection opened beforehand: a cold first connect may take longer than the timeout itself
        assertThat(send(new ConnectGate("warm-up", 1), client, options(port, 2_000), new TestCall()).join())
                .isEqualTo("200");
        ConnectGate gate = new ConnectGate("127.0.0.1:" + port, 1);
        List<CompletableFuture<String>> outcomes = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < 7; i++) {
            outcomes.add(send(gate, client, options(port, 400), new TestCall()));
        }

        assertThat(outcomes).allSatisfy(outcome -> assertThat(outcome.join()).isEqualTo("200"));
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(600);
    }

    @Test
    void aWaitingRequestFailsWhenNoConnectionOpensWithinItsConnectTimeout() {
        int port = fullListenQueue();
        HttpClient client = vertx.createHttpClient();
        ConnectGate gate = new ConnectGate("127.0.0.1:" + port, 1);
        // the first holds the only turn while its SYN goes unanswered
        CompletableFuture<String> first = send(gate, client, options(port, 3_000), new TestCall());
        long start = System.nanoTime();
        CompletableFuture<String> second = send(gate, client, options(port, 300), new TestCall());

        assertThat(second.join()).isEqualTo("failed: no connection to 127.0.0.1:" + port + " opened within the "
                + "connect timeout of 300 ms while the request waited for its turn to connect");
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(waited).isBetween(300L, 2_000L);
        assertThat(first).isNotDone();
        onLoop(() -> assertThat(gate.waiting()).isZero());
        // the first fails with the pool's own timeout, and frees the turn
        assertThat(first.join()).startsWith("failed: The timeout of 3000 ms has been exceeded");
    }

    @Test
    void aRequestGivenUpWhileItWaitsLeavesAtOnceAndTheNextOneTakesTheTurn() {
        int port = fullListenQueue();
        HttpClient client = vertx.createHttpClient();
        ConnectGate gate = new ConnectGate("127.0.0.1:" + port, 1);
        CompletableFuture<String> first = send(gate, client, options(port, 500), new TestCall());
        TestCall withdrawn = new TestCall();
        CompletableFuture<String> second = send(gate, client, options(port, 10_000), withdrawn);
        TestCall cancelledLater = new TestCall();
        CompletableFuture<String> third = send(gate, client, options(port, 10_000), cancelledLater);
        CompletableFuture<String> fourth = send(gate, client, options(port, 700), new TestCall());
        onLoop(() -> assertThat(gate.waiting()).isEqualTo(3));

        long start = System.nanoTime();
        onLoop(() -> withdrawn.withdraw.run());
        assertThat(second.join()).isEqualTo("failed: CANCELLED");
        // at once: not when the first turn frees (its connect times out after 500 ms)
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(400);
        onLoop(() -> assertThat(gate.waiting()).isEqualTo(2));
        // given up without being withdrawn: it goes when its turn comes, without asking the pool
        cancelledLater.cancelled = true;

        assertThat(first.join()).startsWith("failed: The timeout of 500 ms has been exceeded");
        assertThat(third.join()).isEqualTo("failed: CANCELLED");
        // the fourth asked the pool: it failed with the pool's timeout, not the gate's
        assertThat(fourth.join()).startsWith("failed: The timeout of 700 ms has been exceeded");
        onLoop(() -> assertThat(gate.waiting()).isZero());
    }
}
