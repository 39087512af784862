package dev.sluice.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.testing.RespClient;
import dev.sluice.testing.TestRedis;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.impl.VertxInternal;
import io.vertx.core.net.impl.NetSocketInternal;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each event loop's kept Redis connection is read and written by that loop, against a real Redis server: a command it
 * sends is written without handing it to another thread, and its reply is read where it is awaited.
 */
class RedisLinkTest {

    static final int LOOPS = 4;

    static TestRedis server;
    static Vertx vertx;
    static RedisOptions options;
    Redis client;
    RedisLink link;

    @BeforeAll
    static void start() {
        server = TestRedis.start();
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(LOOPS));
        options = new RedisOptions().setConnectionString(server.url());
    }

    @AfterAll
    static void stop() {
        vertx.close();
        server.close();
    }

    @AfterEach
    void close() {
        if (link != null) {
            link.close();
        }
        if (client != null) {
            client.close();
        }
    }

    @Test
    void eachLoopsConnectionLivesOnThatLoopWithAClientOfItsOwn() throws Exception {
        // given: the shared client created off the event loops, as Quarkus creates its client, and a client per loop
        client = Redis.createClient(vertx, options);
        link = new RedisLink(client, () -> Redis.createClient(vertx, options), vertx, 1_000);

        // when: each loop sends, from a request's (duplicated) context
        List<Boolean> onItsLoop = ownConnectionOnItsLoop();

        // then: every loop's connection is one of its own loop's sockets
        assertThat(onItsLoop).hasSize(LOOPS).containsOnly(true);
        // one connection per loop plus the shared one, which nobody asked for here
        assertThat(clientConnections()).isEqualTo(LOOPS);
    }

    @Test
    void withOneSharedClientTheLoopsConnectionsLiveOnTheLoopThatClientWasCreatedOn() throws Exception {
        // given: the same without a client per loop: the baseline that shows the check above can fail
        client = Redis.createClient(vertx, options);
        link = new RedisLink(client, null, vertx, 1_000);

        // when
        List<Boolean> onItsLoop = ownConnectionOnItsLoop();

        // then: all connections are on one loop: three loops of four send through another loop's socket
        assertThat(onItsLoop).hasSize(LOOPS).filteredOn(own -> !own).hasSize(LOOPS - 1);
    }

    @Test
    void startUpOpensEveryLoopsConnectionBeforeItsFirstCommand() throws Exception {
        // given
        client = Redis.createClient(vertx, options);
        link = new RedisLink(client, () -> Redis.createClient(vertx, options), vertx, 1_000);

        // when: start-up, off the event loops
        link.openOnEveryLoop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

        // then: on every loop, before it sends anything, its own connection works, on that loop
        for (int loop = 0; loop < LOOPS; loop++) {
            Context context = ((VertxInternal) vertx).createEventLoopContext().duplicate();
            CompletableFuture<Boolean> ownAndOnItsLoop = new CompletableFuture<>();
            context.runOnContext(v -> {
                RedisConnection own = link.ownConnection();
                ownAndOnItsLoop.complete(own != null && FlushCoalescing.sockets(own).get(0).channelHandlerContext()
                        .channel().eventLoop().inEventLoop());
            });
            assertThat(ownAndOnItsLoop.get(5, TimeUnit.SECONDS)).as("loop %d's own connection", loop).isTrue();
        }
        // one per loop; the shared one is not opened by this
        assertThat(clientConnections()).isEqualTo(LOOPS);
    }

    @Test
    void closingTheLinkClosesTheLoopsClients() throws Exception {
        client = Redis.createClient(vertx, options);
        link = new RedisLink(client, () -> Redis.createClient(vertx, options), vertx, 1_000);
        ownConnectionOnItsLoop();
        assertThat(clientConnections()).isEqualTo(LOOPS);

        link.close();
        link = null;

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (clientConnections() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(clientConnections()).isZero();
    }

    @Test
    void aConnectionThatIsThereAtOnceIsUsed() throws Exception {
        // given: a client whose connect() answers an already completed future (a pooled connection at hand), so that the
        // link learns of the connection while it is still starting the attempt
        client = Redis.createClient(vertx, options);
        RedisConnection ready = client.connect().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        Redis atOnce = new Redis() {
            @Override
            public Future<RedisConnection> connect() {
                return Future.succeededFuture(ready);
            }

            @Override
            public void close() {
            }

            @Override
            public Future<Response> send(Request command) {
                return client.send(command);
            }

            @Override
            public Future<List<Response>> batch(List<Request> commands) {
                return client.batch(commands);
            }
        };
        link = new RedisLink(atOnce, null, vertx, 1_000);

        // when / then: the first command goes out on it, not failed with "no Redis connection"
        assertThat(link.send(Request.cmd(Command.PING)).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS))
                .hasToString("PONG");
    }

    @Test
    void onceOneConnectionReachesRedisAgainTheOthersDoNotWaitOutTheirBackOff() throws Exception {
        // given: every loop's connection open, a back-off of one second between two attempts of one connection
        long backOffMillis = 1_000;
        client = Redis.createClient(vertx, options);
        link = new RedisLink(client, () -> Redis.createClient(vertx, options), vertx, 1_000, backOffMillis);
        link.openOnEveryLoop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        List<Context> loops = new ArrayList<>();
        for (int loop = 0; loop < LOOPS; loop++) {
            loops.add(((VertxInternal) vertx).createEventLoopContext().duplicate());
        }

        // when: Redis goes away; once the attempts made as the connections broke are behind, loop 0 tries again,
        // and half a back-off later the other loops do, all refused
        server.kill();
        long othersTried;
        try {
            Thread.sleep(backOffMillis + 200);
            assertThat(ping(loops.get(0))).as("loop 0 while Redis is down").isFalse();
            Thread.sleep(backOffMillis / 2);
            for (int loop = 1; loop < LOOPS; loop++) {
                assertThat(ping(loops.get(loop))).as("loop %d while Redis is down", loop).isFalse();
            }
            othersTried = System.nanoTime();
        } finally {
            server.startProcess();
        }
        // Redis is back; loop 0's back-off ends first
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!ping(loops.get(0))) {
            assertThat(System.nanoTime()).as("loop 0 back on Redis within 5 s").isLessThan(deadline);
            Thread.sleep(5);
        }

        // then: the other loops answer at once, though half of their own back-off is still to run
        for (int loop = 1; loop < LOOPS; loop++) {
            assertThat(ping(loops.get(loop))).as("loop %d right after loop 0 reached Redis again", loop).isTrue();
        }
        // (on a machine so slow that their back-off had ended by now, the answers above would prove nothing)
        assumeTrue(System.nanoTime() - othersTried < TimeUnit.MILLISECONDS.toNanos(backOffMillis),
                "the other loops were asked within their back-off");
        // and each new connection, though loop 0 started it, lives on its own loop
        for (int loop = 0; loop < LOOPS; loop++) {
            assertThat(ownConnectionOnItsLoop(loops.get(loop))).as("loop %d's new connection on its loop", loop).isTrue();
        }
    }

    /** Sends one PING on the link from the given context: whether it was answered. */
    private boolean ping(Context context) throws Exception {
        CompletableFuture<Boolean> answered = new CompletableFuture<>();
        context.runOnContext(v -> link.send(Request.cmd(Command.PING))
                .onComplete(ping -> answered.complete(ping.succeeded())));
        return answered.get(10, TimeUnit.SECONDS);
    }

    /**
     * Sends a PING from a duplicated context on each event loop until that loop's own connection works, then says for
     * each loop whether the connection's socket is handled by that loop.
     */
    private List<Boolean> ownConnectionOnItsLoop() throws Exception {
        List<Boolean> answers = new ArrayList<>();
        for (int loop = 0; loop < LOOPS; loop++) {
            // each new event-loop context takes the next loop
            Context context = ((VertxInternal) vertx).createEventLoopContext().duplicate();
            answers.add(ownConnectionOnItsLoop(context));
        }
        return answers;
    }

    private boolean ownConnectionOnItsLoop(Context context) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            CompletableFuture<Boolean> answer = new CompletableFuture<>();
            context.runOnContext(v -> link.send(Request.cmd(Command.PING)).onComplete(ping -> {
                RedisConnection own = link.ownConnection();
                if (ping.failed() || own == null) {
                    answer.complete(null);
                    return;
                }
                List<NetSocketInternal> sockets = FlushCoalescing.sockets(own);
                answer.complete(sockets.size() == 1
                        && sockets.get(0).channelHandlerContext().channel().eventLoop().inEventLoop());
            }));
            Boolean onItsLoop = answer.get(10, TimeUnit.SECONDS);
            if (onItsLoop != null) {
                return onItsLoop;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the loop's own connection did not open");
    }

    /** Connections Redis has from the link, not counting the one asking. */
    private static int clientConnections() {
        try (RespClient redis = server.client()) {
            String list = redis.command("CLIENT", "LIST").toString();
            return (int) list.lines().filter(line -> !line.isBlank()).count() - 1;
        }
    }
}
