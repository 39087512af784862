package dev.sluice.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.impl.VertxInternal;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A request's backend connection belongs to the event loop that sends the request: against a real Vert.x server, a
 * request sent on one loop after a request on another has left its connection idle in the pool.
 */
class LoopLocalClientsTest {

    Vertx vertx;
    HttpServer server;
    final Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        server = vertx.createHttpServer().requestHandler(request -> {
            clientPorts.add(request.remoteAddress().port());
            request.response().end("ok");
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void eachEventLoopSendsOnAConnectionOfItsOwn() throws Exception {
        LoopLocalClients clients = new LoopLocalClients(vertx, new HttpClientOptions().setKeepAlive(true), 10);
        assertThat(clients.size()).isEqualTo(2);
        Context first = ((VertxInternal) vertx).createEventLoopContext();
        Context second = ((VertxInternal) vertx).createEventLoopContext();

        assertThat(send(clients, first)).as("connection read by the sending loop").isTrue();
        assertThat(send(clients, second)).as("connection read by the sending loop").isTrue();
        assertThat(send(clients, first)).as("connection read by the sending loop").isTrue();
        assertThat(clientPorts).as("one kept connection per loop").hasSize(2);
        clients.close();
    }

    @Test
    void withFewerConnectionsThanLoopsOneClientIsSharedAndItsConnectionIsLent() throws Exception {
        LoopLocalClients clients = new LoopLocalClients(vertx, new HttpClientOptions().setKeepAlive(true), 1);
        assertThat(clients.size()).isEqualTo(1);
        Context first = ((VertxInternal) vertx).createEventLoopContext();
        Context second = ((VertxInternal) vertx).createEventLoopContext();

        assertThat(send(clients, first)).isTrue();
        // the one connection (the limit) is the first loop's: the second loop is lent it, across loops
        assertThat(send(clients, second)).isFalse();
        assertThat(clientPorts).hasSize(1);
        clients.close();
    }

    @Test
    void theSharesAddUpToMaxConnections() {
        for (int max : new int[] {2, 3, 5, 10_000, 10_001}) {
            for (int loops : new int[] {1, 2, 3, 4, 8}) {
                if (max < loops) {
                    continue;
                }
                int sum = 0;
                for (int i = 0; i < loops; i++) {
                    int share = LoopLocalClients.share(max, loops, i);
                    assertThat(share).isBetween(max / loops, max / loops + 1);
                    sum += share;
                }
                assertThat(sum).as("max %d over %d loops", max, loops).isEqualTo(max);
            }
        }
    }

    /** Sends one request from {@code context}; whether its connection is read by that context's event loop. */
    private boolean send(LoopLocalClients clients, Context context) throws Exception {
        CompletableFuture<Boolean> sameLoop = new CompletableFuture<>();
        context.runOnContext(v -> clients.current()
                .request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/")
                .compose(request -> {
                    boolean own = ((ConnectionBase) request.connection()).channel().eventLoop().inEventLoop();
                    return request.send().compose(response -> response.body()).map(body -> own);
                })
                .onComplete(done -> {
                    if (done.succeeded()) {
                        sameLoop.complete(done.result());
                    } else {
                        sameLoop.completeExceptionally(done.cause());
                    }
                }));
        return sameLoop.get(10, TimeUnit.SECONDS);
    }
}
