package dev.sluice.limits;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.vertx.core.net.impl.NetSocketInternal;
import io.vertx.redis.client.RedisConnection;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * Lets the commands that an event loop sends on a kept Redis connection during one pass over its ready sockets leave
 * in one write instead of one write each.
 *
 * <p>Why: the Vert.x Redis client writes and flushes every command on its own, one {@code sendto} per command, each of
 * which also wakes the Redis server for that one command. Under load an event loop reads several requests in one pass,
 * and each sends its admission (and each finished request its release). Netty's {@link FlushConsolidationHandler} in
 * the connection's pipeline holds the flushes of a pass and flushes once when the pass is over (a task that runs right
 * after it; no timer): the commands leave pipelined in one write and their replies come back together. Each command
 * keeps its own reply and failure (unlike the client's {@code batch}).
 *
 * <p>How: the Redis client does not expose its sockets, so the socket is found through the connection's wrappers
 * (Quarkus' observable connection, the pooled connection, the Sentinel and Cluster connections) by reflection on
 * their fields. If a later client changes them, nothing breaks: the connection is used without coalescing, and
 * {@code FlushCoalescingTest} fails, so that it is noticed. The classes' fields are registered for a native image.
 */
@RegisterForReflection(classNames = {"io.quarkus.redis.runtime.client.ObservableRedis$ObservableRedisConnection",
    "io.vertx.redis.client.impl.PooledRedisConnection", "io.vertx.redis.client.impl.RedisStandaloneConnection",
    "io.vertx.redis.client.impl.RedisSentinelConnection", "io.vertx.redis.client.impl.RedisClusterConnection"},
        fields = true)
final class FlushCoalescing {

    private static final Logger LOGGER = Logger.getLogger(FlushCoalescing.class);
    /** Flushes at once after this many held flushes: a burst still leaves in writes of bounded size. */
    static final int MAX_HELD_FLUSHES = 64;
    static final String HANDLER_NAME = "sluice-flush-coalescing";
    /** Deepest wrapper chain followed (observable, pooled, Sentinel or Cluster, standalone, socket). */
    private static final int MAX_DEPTH = 6;

    private FlushCoalescing() {
    }

    /**
     * Installs the coalescing on every socket behind the connection: one, or one per Cluster master it holds.
     *
     * @return how many sockets were found
     */
    static int install(RedisConnection connection) {
        List<NetSocketInternal> sockets = sockets(connection);
        for (NetSocketInternal socket : sockets) {
            ChannelPipeline pipeline = socket.channelHandlerContext().pipeline();
            if (pipeline.get(HANDLER_NAME) == null) {
                // nearest the socket, so that it holds the flushes of every handler above it (TLS included)
                pipeline.addFirst(HANDLER_NAME, new FlushConsolidationHandler(MAX_HELD_FLUSHES, true));
            }
        }
        if (sockets.isEmpty()) {
            LOGGER.debugf("no socket found behind the Redis connection %s: it is used without flush coalescing",
                    connection.getClass().getName());
        }
        return sockets.size();
    }

    /** The Vert.x sockets behind a Redis connection, found through its wrappers' fields; empty when none is found. */
    static List<NetSocketInternal> sockets(RedisConnection connection) {
        List<NetSocketInternal> found = new ArrayList<>();
        try {
            collect(connection, 0, new IdentityHashMap<>(), found);
        } catch (RuntimeException | LinkageError unexpected) {
            LOGGER.debugf("looking for the Redis connection's socket failed: %s", unexpected.toString());
        }
        return found;
    }

    private static void collect(Object node, int depth, Map<Object, Boolean> seen, List<NetSocketInternal> found) {
        if (node == null || depth > MAX_DEPTH || seen.put(node, Boolean.TRUE) != null) {
            return;
        }
        if (node instanceof NetSocketInternal socket) {
            found.add(socket);
        } else if (node instanceof AtomicReference<?> reference) {
            collect(reference.get(), depth + 1, seen, found);
        } else if (node instanceof Map<?, ?> map) {
            for (Object value : map.values()) {
                collect(value, depth + 1, seen, found);
            }
        } else if (node instanceof Collection<?> values) {
            for (Object value : values) {
                collect(value, depth + 1, seen, found);
            }
        } else if (node instanceof RedisConnection) {
            // only connection classes are looked into, not whatever else they point at
            for (Class<?> type = node.getClass(); type != null && type != Object.class; type = type.getSuperclass()) {
                for (Field field : type.getDeclaredFields()) {
                    if (!Modifier.isStatic(field.getModifiers()) && !field.getType().isPrimitive()
                            && field.trySetAccessible()) {
                        try {
                            collect(field.get(node), depth + 1, seen, found);
                        } catch (IllegalAccessException notReadable) {
                            // not a way down
                        }
                    }
                }
            }
        }
    }
}
