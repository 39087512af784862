package dev.sluice.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.RespClient;
import dev.sluice.testing.TestRedis;
import io.quarkus.redis.runtime.client.ObservableRedis;
import io.quarkus.redis.runtime.client.ObservableRedisMetrics;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Commands sent on a kept connection in one pass of its event loop leave in one write, against a real Redis server:
 * a handler next to the socket counts the flushes that reach it, and Redis counts the reads it needed for them
 * ({@code total_reads_processed}). Each command keeps its own reply and
 * failure. The socket is found through the wrappers the application's client has (Quarkus' observable connection over
 * the pooled one); the Sentinel and Cluster connections are checked in their limit store tests.
 */
class FlushCoalescingTest {

    static final int COMMANDS = 200;
    static final String FLUSH_COUNTER = "test-flush-counter";

    static TestRedis server;
    static Vertx vertx;
    static Redis client;

    @BeforeAll
    static void start() {
        server = TestRedis.start();
        vertx = Vertx.vertx();
        client = new ObservableRedis(Redis.createClient(vertx, new RedisOptions().setConnectionString(server.url())),
                "test", ObservableRedisMetrics.NOOP);
    }

    @AfterAll
    static void stop() {
        client.close();
        vertx.close();
        server.close();
    }

    @Test
    void theSocketIsFoundThroughTheApplicationsWrappers() throws Exception {
        RedisConnection connection = connect();
        assertThat(FlushCoalescing.sockets(connection)).hasSize(1);
        assertThat(FlushCoalescing.install(connection)).isEqualTo(1);
        assertThat(FlushCoalescing.sockets(connection).get(0).channelHandlerContext().pipeline()
                .get(FlushCoalescing.HANDLER_NAME)).isNotNull();
        assertThat(FlushCoalescing.install(connection)).as("installed once").isEqualTo(1);
        connection.close();
    }

    @Test
    void commandsOfOnePassLeaveInOneWriteEachWithItsOwnReply() throws Exception {
        RedisConnection connection = connect();
        FlushCoalescing.install(connection);
        AtomicInteger flushes = countFlushesToTheSocket(connection);
        long reads = readsProcessed();

        List<Response> replies = sendInOnePass(connection);

        // 200 commands in 4 writes (a flush is forced after every 64 held), and so about 4 reads of Redis for them
        // beside the RESP client's own commands and connections (INFO, SET)
        assertThat(flushes.get()).isBetween(1, 8);
        assertThat(readsProcessed() - reads).isLessThanOrEqualTo(12);
        assertThat(replies).hasSize(COMMANDS);
        for (int i = 0; i < COMMANDS; i++) {
            if (i % 10 == 9) {
                assertThat(replies.get(i)).as("a failed command keeps its own failure").isNull();
            } else {
                assertThat(replies.get(i).toInteger()).isEqualTo(i);
            }
        }
        connection.close();
    }

    @Test
    void withoutItEachCommandIsAWriteOfItsOwn() throws Exception {
        RedisConnection connection = connect();
        // the client pools its connections: the one it lends here may be one an earlier test coalesced
        ChannelPipeline pipeline = FlushCoalescing.sockets(connection).get(0).channelHandlerContext().pipeline();
        if (pipeline.get(FlushCoalescing.HANDLER_NAME) != null) {
            pipeline.remove(FlushCoalescing.HANDLER_NAME);
        }
        AtomicInteger flushes = countFlushesToTheSocket(connection);

        sendInOnePass(connection);

        // the baseline that shows the check above can fail: the client flushes every command on its own. (How many
        // reads Redis needs for them depends on how busy the machine is: 189 when idle, 12 or fewer seen under load,
        // so the reads are no baseline.)
        assertThat(flushes.get()).isGreaterThanOrEqualTo(COMMANDS);
        connection.close();
    }

    /** Counts the flushes that reach the connection's socket (after any handler that holds them back). */
    private static AtomicInteger countFlushesToTheSocket(RedisConnection connection) {
        AtomicInteger flushes = new AtomicInteger();
        ChannelPipeline pipeline = FlushCoalescing.sockets(connection).get(0).channelHandlerContext().pipeline();
        if (pipeline.get(FLUSH_COUNTER) != null) {
            pipeline.remove(FLUSH_COUNTER); // an earlier test's, on a pooled connection
        }
        pipeline.addFirst(FLUSH_COUNTER, new ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext context) {
                flushes.incrementAndGet();
                context.flush();
            }
        });
        return flushes;
    }

    private static RedisConnection connect() throws Exception {
        return client.connect().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /**
     * Sends COMMANDS commands in one task of the connection's event loop: {@code ECHO i}, every tenth a command Redis
     * refuses. Replies in order; null for a refused command.
     */
    private static List<Response> sendInOnePass(RedisConnection connection) throws Exception {
        try (RespClient redis = server.client()) {
            redis.command("SET", "flush-coalescing:not-a-number", "abc");
        }
        CompletableFuture<List<Response>> all = new CompletableFuture<>();
        Context context = vertx.getOrCreateContext();
        context.runOnContext(v -> {
            List<Future<Response>> sent = new ArrayList<>();
            for (int i = 0; i < COMMANDS; i++) {
                Request request = i % 10 == 9 ? Request.cmd(Command.INCR).arg("flush-coalescing:not-a-number")
                        : Request.cmd(Command.ECHO).arg(Integer.toString(i));
                sent.add(connection.send(request).otherwiseEmpty());
            }
            Future.all(sent).onComplete(done -> {
                List<Response> replies = new ArrayList<>();
                for (Future<Response> reply : sent) {
                    replies.add(reply.result());
                }
                all.complete(replies);
            });
        });
        return all.get(10, TimeUnit.SECONDS);
    }

    private static long readsProcessed() {
        try (RespClient redis = server.client()) {
            String stats = redis.command("INFO", "stats").toString();
            for (String line : stats.split("\r\n")) {
                if (line.startsWith("total_reads_processed:")) {
                    return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                }
            }
        }
        throw new IllegalStateException("INFO stats has no total_reads_processed");
    }
}
