package dev.sluice.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Redis deadline on a real event loop with real sockets: an answer that is in the socket when the deadline's
 * timer comes due counts, an answer that never comes fails the call soon after the timeout.
 */
class RedisDeadlineTest {

    /** The proxy's side: one event loop, so that a handler that takes long holds up everything else on it. */
    static Vertx proxy;
    /** The servers' side, on loops of their own. */
    static Vertx servers;
    static int answering;
    static int silent;
    static int poking;

    @BeforeAll
    static void start() throws Exception {
        proxy = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        servers = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        // answers every line 20 ms after it came, as a Redis behind a short network would
        answering = listen(socket -> socket.handler(line -> servers.setTimer(20, t -> socket.write("+OK\r\n"))));
        // reads and never answers: a Redis frozen by SIGSTOP
        silent = listen(socket -> socket.handler(line -> { }));
        // sends a byte 10 ms after it is poked: work for the proxy's loop to do while the answer is on its way
        poking = listen(socket -> socket.handler(poke -> servers.setTimer(10, t -> socket.write("!"))));
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        servers.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    static int listen(io.vertx.core.Handler<NetSocket> handler) throws Exception {
        NetServer server = servers.createNetServer().connectHandler(handler);
        return server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
                .actualPort();
    }

    static NetSocket connect(Context loop, int port) throws Exception {
        CompletableFuture<NetSocket> socket = new CompletableFuture<>();
        loop.runOnContext(ignored -> proxy.createNetClient().connect(port, "127.0.0.1")
                .onComplete(connected -> socket.complete(connected.result())));
        return socket.get(10, TimeUnit.SECONDS);
    }

    /** Sends a line and answers its reply, bounded by a 50 ms deadline; all on the proxy's loop. */
    static Future<Buffer> ask(RedisDeadline deadline, NetSocket redis) {
        Promise<Buffer> reply = Promise.promise();
        redis.handler(reply::tryComplete);
        redis.write("PING\r\n");
        return deadline.bounded(reply.future(), null);
    }

    @Test
    void anAnswerAlreadyReadableWhenTheTimerComesDueCounts() throws Exception {
        Context loop = proxy.getOrCreateContext();
        RedisDeadline deadline = new RedisDeadline(proxy, 50);
        NetSocket redis = connect(loop, answering);
        NetSocket busy = connect(loop, poking);
        // a handler that keeps the loop 100 ms (a cold process's first requests on a busy core): the answer arrives
        // meanwhile, and the timer is due by the time the loop is free again
        busy.handler(poke -> sleep(100));
        CompletableFuture<Object> outcome = new CompletableFuture<>();

        loop.runOnContext(ignored -> {
            busy.write("go");
            ask(deadline, redis).onComplete(result -> outcome.complete(result.succeeded() ? result.result().toString()
                    : result.cause()));
        });

        assertThat(outcome.get(10, TimeUnit.SECONDS)).isEqualTo("+OK\r\n");
    }

    @Test
    void noAnswerFailsSoonAfterTheTimeout() throws Exception {
        Context loop = proxy.getOrCreateContext();
        RedisDeadline deadline = new RedisDeadline(proxy, 50);
        NetSocket redis = connect(loop, silent);
        CompletableFuture<Object> outcome = new CompletableFuture<>();
        long[] asked = new long[1];

        loop.runOnContext(ignored -> {
            asked[0] = System.nanoTime();
            ask(deadline, redis).onComplete(result -> outcome.complete(result.succeeded() ? result.result()
                    : result.cause()));
        });

        assertThat(outcome.get(10, TimeUnit.SECONDS)).isInstanceOf(TimeoutException.class);
        long tookMillis = (System.nanoTime() - asked[0]) / 1_000_000;
        assertThat(tookMillis).isBetween(50L, 500L);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
