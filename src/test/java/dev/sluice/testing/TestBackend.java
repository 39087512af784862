package dev.sluice.testing;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.PemKeyCertOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP backend for tests: an in-process Vert.x server on a loopback port that records every request it gets
 * and answers as the test tells it to (JSON, SSE with gaps, stalls, resets, error statuses, garbage).
 */
public final class TestBackend implements AutoCloseable {

    private static final Vertx VERTX = Vertx.vertx();

    /** What the backend does with one request. */
    @FunctionalInterface
    public interface Reply {
        void answer(HttpServerRequest request, Buffer body, HttpServerResponse response);
    }

    /**
     * One request as the backend received it.
     *
     * @param arrivedNanos when its body had arrived ({@link System#nanoTime()})
     * @param closedUnanswered set when its connection closed before the backend had ended its answer
     */
    public record Received(String method, String uri, MultiMap headers, Buffer body, long arrivedNanos,
            AtomicBoolean closedUnanswered) {
        public String header(String name) {
            return headers.get(name);
        }

        public String bodyText() {
            return body.toString();
        }

        /** Waits up to {@code timeout} for the proxy to close this request's connection before it was answered. */
        public boolean awaitClosedUnanswered(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!closedUnanswered.get() && System.nanoTime() < deadline) {
                TimeUnit.MILLISECONDS.sleep(5);
            }
            return closedUnanswered.get();
        }
    }

    private final String name;
    private final int port;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger closedConnections = new AtomicInteger();
    private final List<String> serverNames = new CopyOnWriteArrayList<>();
    private volatile Reply reply;
    private HttpServer server;

    private TestBackend(String name, int port) {
        this.name = name;
        this.port = port;
        this.reply = Replies.json(200, Replies.CHAT_COMPLETION);
    }

    /** Starts the backend called {@code name} on a free loopback port. */
    public static TestBackend start(String name) {
        TestBackend backend = new TestBackend(name, TestPorts.free());
        backend.listen(new HttpServerOptions());
        return backend;
    }

    /**
     * An https backend called {@code name} that presents {@code certificate}, on the port {@link TestPorts#of} gives
     * it (reach it as {@code https://localhost:<port>}); it records the SNI name of each connection.
     */
    public static TestBackend startTls(String name, TestCertificates.Pair certificate) {
        TestBackend backend = new TestBackend(name, TestPorts.of(name));
        backend.listen(new HttpServerOptions().setSsl(true).setSni(true).setKeyCertOptions(new PemKeyCertOptions()
                .setCertPath(certificate.certificate().toString()).setKeyPath(certificate.key().toString())));
        return backend;
    }

    private void listen(HttpServerOptions options) {
        server = VERTX.createHttpServer(options).connectionHandler(connection -> {
            if (options.isSsl()) {
                serverNames.add(String.valueOf(connection.indicatedServerName()));
            }
            connection.closeHandler(closed -> closedConnections.incrementAndGet());
        }).requestHandler(request -> {
                    MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(request.headers());
                    request.body().onSuccess(body -> {
                        Received arrived = new Received(request.method().name(), request.uri(), headers, body,
                                System.nanoTime(), new AtomicBoolean());
                        HttpServerResponse response = request.response();
                        response.closeHandler(closed -> {
                            if (!response.ended()) {
                                arrived.closedUnanswered().set(true);
                            }
                        });
                        received.add(arrived);
                        reply.answer(request, body, response);
                    });
                });
        server.listen(port, "127.0.0.1").toCompletionStage().toCompletableFuture().join();
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    /** Answers every next request this way. */
    public TestBackend reply(Reply reply) {
        this.reply = reply;
        return this;
    }

    /** Forgets what it received and answers with a chat completion again. */
    public TestBackend reset() {
        received.clear();
        reply = Replies.json(200, Replies.CHAT_COMPLETION);
        return this;
    }

    public List<Received> received() {
        return new ArrayList<>(received);
    }

    public Received last() {
        if (received.isEmpty()) {
            throw new AssertionError("backend " + name + " received nothing");
        }
        return received.get(received.size() - 1);
    }

    public int requestCount() {
        return received.size();
    }

    /** The SNI name each TLS connection indicated, in order ("null" for none). */
    public List<String> serverNames() {
        return new ArrayList<>(serverNames);
    }

    /** Connections from the proxy that were closed (by either side) since the backend started. */
    public int closedConnections() {
        return closedConnections.get();
    }

    /** Waits until {@code count} requests arrived, for answers that the proxy sends on after the client's. */
    public void awaitRequests(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (received.size() < count && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(5);
        }
    }

    public static Vertx vertx() {
        return VERTX;
    }

    @Override
    public void close() {
        if (server != null) {
            server.close().toCompletionStage().toCompletableFuture().join();
            server = null;
        }
    }
}
