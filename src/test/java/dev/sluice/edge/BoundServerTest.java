package dev.sluice.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.impl.VertxInternal;
import java.net.ServerSocket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The management interface listens on a fixed port, and Vert.x registers its server under that port before the socket
 * is bound. The guard once looked in that moment, found the server but no listening channel, and left the management
 * interface unguarded (1 start in 20 of the start-up benchmark). It now waits for the bind: here the bind is held back
 * by keeping Vert.x's acceptor thread busy.
 */
class BoundServerTest {

    private Vertx vertx;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aServerIsFoundOnlyOnceItsSocketIsBound() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        CountDownLatch acceptorHeld = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ((VertxInternal) vertx).getAcceptorEventLoopGroup().next().execute(() -> {
            acceptorHeld.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(acceptorHeld.await(5, TimeUnit.SECONDS)).isTrue();

        HttpServer server = vertx.createHttpServer(new HttpServerOptions().setMaxHeaderSize(12_345))
                .requestHandler(request -> request.response().end());
        var listening = server.listen(port, "127.0.0.1");

        assertThat(((VertxInternal) vertx).sharedHttpServers().values())
                .as("registered under its port before the bind").anyMatch(registered -> registered.actualPort() == port);
        assertThat(listening.isComplete()).isFalse();
        assertThat(EdgeGuard.boundServerOptions(vertx, port)).as("not bound yet").isEmpty();

        release.countDown();
        listening.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);

        assertThat(EdgeGuard.boundServerOptions(vertx, port)).as("bound").isPresent()
                .hasValueSatisfying(options -> assertThat(options.getMaxHeaderSize()).as("its options").isEqualTo(12_345));
    }

    @Test
    void noServerOnThePortIsNotFound() throws Exception {
        assertThat(EdgeGuard.boundServerOptions(vertx, 1)).isEmpty();
    }
}
