package dev.sluice.limits;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.impl.VertxInternal;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisCluster;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The connections the Redis limit store sends its commands on, whatever Redis is behind them: a single server, the
 * primary a set of Sentinels names, or every master of a Redis Cluster (contract §4.4).
 *
 * <p>Connections are kept, not taken per command. {@code Redis.send} connects for every command: the Sentinel client
 * then looks the primary up again whenever its topology cache (one second) has expired, and the Cluster client takes
 * one pooled connection per master and reads the slot table the same way; at less than one request per second every
 * admission paid a {@code SENTINEL} or {@code CLUSTER SLOTS} round trip before its script. A kept connection looks
 * the topology up once, when it connects. Its commands are pipelined, and those sent in one pass of the event loop
 * leave in one write ({@link FlushCoalescing}).
 *
 * <p>A kept connection is replaced when it breaks (its socket ends, a command fails without a Redis answer) or when it
 * turns out to point at a replica ({@code READONLY}, {@code MASTERDOWN}: the Sentinels failed over); at most one
 * replacement per {@value #RECONNECT_MILLIS} ms is tried per connection, except that once one connection has reached
 * Redis again, every other broken one is tried at once. Commands wait for the replacement (within
 * their caller's timeout), except with a Cluster: there the broken connection stays in use until its replacement has
 * connected, since a Cluster whose one master is lost still serves the other masters' accounts. Redirections
 * ({@code MOVED}, {@code ASK}, {@code TRYAGAIN}) and the slot table are the Cluster client's: it routes each command by
 * its keys (every key of a script shares the account's hash tag, so one slot), follows redirections and reads the
 * table again after a {@code MOVED} and when its cache expires.
 *
 * <p>That cache expiry is the one refresh this class drives. The Cluster client (4.5.25) drops its slot table a TTL
 * after reading it and reads it again on the next command, which waits for it; a timer here touches the table (no
 * command is sent) right after each expiry, so that the reading is started by the timer and not by an admission.
 *
 * <p>Each event loop sends on a connection of its own (up to {@value #MAX_CONNECTIONS} connections; loops beyond
 * share them); other threads use the first connection, which is also the one opened at start-up and the one a loop
 * uses while its own is not ready. A loop's connection lives on that loop: it comes from a Redis client of the loop's
 * own ({@code loopClients}), created on the loop. The Vert.x Redis client binds every connection it opens to the event
 * loop it was itself created on, so with one shared client every command sent from another loop was handed to that
 * loop to be written (a task and a wake-up) and its reply handed back (another), twice per proxied request. With
 * {@code loopClients} null (a caller without the client's options) every slot uses the one client as before.
 *
 * <p>Thread-safe; never blocks.
 */
final class RedisLink {

    /**
     * The error the Redis client fails a command with when its connection ended before the answer (a server killed,
     * a failover): not Redis' own answer, although the client hands it over as one ({@link Response}).
     */
    static final String CONNECTION_CLOSED = "CONNECTION_CLOSED";

    private static final Logger LOGGER = Logger.getLogger(RedisLink.class);

    /** Fewest milliseconds between two attempts to replace one connection (the default of {@link #reconnectNanos}). */
    static final long RECONNECT_MILLIS = 250;
    /** The most connections kept: below the client's pool size per endpoint, which also serves topology look-ups. */
    static final int MAX_CONNECTIONS = 8;
    /** Longest a connection attempt may take before another is tried (a server that accepts and never answers). */
    private static final long CONNECT_MAX_MILLIS = 2_000;

    private final Redis redis;
    /**
     * Makes a client for one event loop's connection, bound to the calling thread's context; null, or a supplier that
     * answers null: share {@link #redis}.
     */
    private final Supplier<Redis> loopClients;
    private final Vertx vertx;
    private final boolean cluster;
    private final long slotTableTtlMillis;
    /** Fewest nanoseconds between two attempts to replace one connection. */
    private final long reconnectNanos;
    private final Slot shared;
    private final List<Slot> slots = new CopyOnWriteArrayList<>();
    private final Map<Thread, Slot> byLoop = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * @param loopClients makes a new client with the same options as {@code redis}, for one event loop's connection;
     *     null (or answering null) to send every command through {@code redis}
     * @param slotTableTtlMillis the Cluster client's topology cache TTL ({@code quarkus.redis.topology-cache-ttl});
     *     unused for other topologies
     */
    RedisLink(Redis redis, Supplier<Redis> loopClients, Vertx vertx, long slotTableTtlMillis) {
        this(redis, loopClients, vertx, slotTableTtlMillis, RECONNECT_MILLIS);
    }

    /** @param reconnectMillis fewest milliseconds between two attempts to replace one connection (tests) */
    RedisLink(Redis redis, Supplier<Redis> loopClients, Vertx vertx, long slotTableTtlMillis, long reconnectMillis) {
        this.reconnectNanos = TimeUnit.MILLISECONDS.toNanos(reconnectMillis);
        this.redis = redis;
        this.loopClients = loopClients;
        this.vertx = vertx;
        this.cluster = isCluster(redis);
        this.slotTableTtlMillis = slotTableTtlMillis;
        this.shared = new Slot(0, redis, false);
        slots.add(shared);
    }

    private static boolean isCluster(Redis redis) {
        try {
            RedisCluster.create(redis);
            return true;
        } catch (IllegalArgumentException notACluster) {
            return false;
        }
    }

    boolean cluster() {
        return cluster;
    }

    /**
     * Replaces each kept connection that answers from another server than {@code runId}, as if it had broken: after a
     * failover, a connection may still be on the old primary while the others moved (each follows the switch notice on
     * its own). Asks each working connection {@code INFO server}; commands on a replaced one wait for its replacement,
     * within their callers' timeouts.
     *
     * @return how many connections were replaced
     */
    Future<Integer> replaceThoseNotOn(String runId, String why) {
        List<Future<Boolean>> asked = new ArrayList<>();
        for (Slot slot : slots) {
            RedisConnection connection = slot.current();
            if (connection == null || !slot.working()) {
                continue;
            }
            asked.add(connection.send(Request.cmd(Command.INFO).arg("server")).map(info -> {
                String answering = ReplicaProgress.field(info.toString(), "run_id:");
                if (answering == null || answering.equals(runId)) {
                    return false;
                }
                LOGGER.debugf("Redis connection %d answers from server %s: %s", slot.index, answering, why);
                slot.broke(connection, why);
                return true;
            }).otherwise(false));
        }
        return Future.join(asked).map(all -> {
            int replaced = 0;
            for (int i = 0; i < all.size(); i++) {
                if (Boolean.TRUE.equals(all.resultAt(i))) {
                    replaced++;
                }
            }
            return replaced;
        });
    }

    /**
     * Opens the first connection (start-up). A failure here is not final: every command finding no connection tries
     * again.
     */
    Future<Void> open() {
        return shared.connection().mapEmpty();
    }

    /**
     * Opens every event loop's own connection (start-up), so that no loop's first requests wait for theirs. Until a
     * loop's connection works its commands go through the first one, and so through that connection's loop: on a
     * cold JVM, busy with its own first requests, that hop alone took longer than {@code redis-timeout}.
     *
     * @return completes when every attempt ended, succeeded or not (a failed one is tried again on demand)
     */
    Future<Void> openOnEveryLoop() {
        if (loopClients == null) {
            return open();
        }
        VertxInternal internal = (VertxInternal) vertx;
        List<Future<?>> attempts = new ArrayList<>();
        for (EventExecutor executor : vertx.nettyEventLoopGroup()) {
            ContextInternal loop = internal.createEventLoopContext((EventLoop) executor, null,
                    Thread.currentThread().getContextClassLoader());
            Promise<Void> attempted = Promise.promise();
            loop.runOnContext(ignored -> ownSlot().connection().onComplete(connected -> attempted.complete()));
            attempts.add(attempted.future());
        }
        return Future.join(attempts).mapEmpty();
    }

    /** Sends one command on this thread's connection. */
    Future<Response> send(Request request) {
        Slot slot = pick();
        return slot.connection().compose(connection -> connection.send(request)
                .onFailure(failure -> slot.failed(connection, failure)));
    }

    /**
     * Sends one command to every Cluster master (script loads, health), or to the one server otherwise; answers every
     * reply.
     */
    Future<List<Response>> sendToEveryMaster(Request request) {
        Slot slot = pick();
        return slot.connection().compose(connection -> {
            Future<List<Response>> replies = cluster ? RedisCluster.create(connection).onAllMasterNodes(request)
                    : connection.send(request).map(List::of);
            return replies.onFailure(failure -> slot.failed(connection, failure));
        });
    }

    /** This event loop's own connection once it works, else null: what {@link #send} would use now (tests). */
    RedisConnection ownConnection() {
        Slot slot = pick();
        return slot != shared ? slot.current() : null;
    }

    void close() {
        closed = true;
        for (Slot slot : slots) {
            slot.close();
        }
    }

    /** This event loop's connection when it has a working one, else the first one while it connects. */
    private Slot pick() {
        if (!Context.isOnEventLoopThread()) {
            return shared;
        }
        Slot own = ownSlot();
        if (own.working()) {
            return own;
        }
        own.replace();
        return shared.working() ? shared : own;
    }

    /** This event loop's slot, made on its first use. */
    private Slot ownSlot() {
        Thread thread = Thread.currentThread();
        Slot own = byLoop.get(thread);
        return own != null ? own : byLoop.computeIfAbsent(thread, this::slotFor);
    }

    private synchronized Slot slotFor(Thread loop) {
        if (slots.size() < MAX_CONNECTIONS) {
            Redis own = loopClients == null ? null : clientOnThisLoop();
            Slot slot = own == null ? new Slot(slots.size(), redis, false) : new Slot(slots.size(), own, true);
            slots.add(slot);
            return slot;
        }
        return slots.get(Math.floorMod(loop.getName().hashCode(), slots.size()));
    }

    /**
     * A new client bound to this event loop, or null outside a Vert.x context. It is created on the loop's own context,
     * not on the request's duplicate of it, which the client would otherwise keep (and with it that request's context
     * data) for all its callbacks.
     */
    private Redis clientOnThisLoop() {
        ContextInternal current = (ContextInternal) Vertx.currentContext();
        if (current == null) {
            return null;
        }
        ContextInternal loop = current.unwrap();
        Redis[] created = new Redis[1];
        loop.dispatch(() -> created[0] = loopClients.get());
        return created[0];
    }

    /**
     * Whether a failure says the connection is no good: it ended, or the command never got a Redis answer, or Redis
     * answered as a replica, or as a primary cut off from its replicas ({@code min-replicas-to-write}). Other Redis
     * error answers ({@code NOSCRIPT}, script errors, {@code CLUSTERDOWN}) are about the command or the cluster, not
     * this connection.
     */
    static boolean breaksConnection(Throwable failure) {
        String message = String.valueOf(failure.getMessage());
        if (failure instanceof Response) {
            return message.startsWith(CONNECTION_CLOSED) || message.startsWith("READONLY")
                    || message.startsWith("MASTERDOWN") || message.startsWith("NOREPLICAS");
        }
        return !message.startsWith("Redis waiting queue is full");
    }

    /** One kept connection and its replacement, opened by its client. */
    private final class Slot {

        private final int index;
        private final Redis client;
        /** Whether the client is this slot's own, to close with it. */
        private final boolean ownsClient;
        /** Whether this slot's slot-table timer runs (Cluster only; started by its first connection). */
        private boolean keepingSlotTableFresh;
        private int slotTableChecks;
        /** The connection in use; broken ones stay in use until replaced. */
        private volatile RedisConnection current;
        private volatile Future<RedisConnection> ready;
        private volatile boolean working;
        /** The connection attempt in flight, or null. */
        private Future<RedisConnection> connecting;
        private long lastAttemptNanos = System.nanoTime() - reconnectNanos;
        private Throwable lastFailure;

        Slot(int index, Redis client, boolean ownsClient) {
            this.index = index;
            this.client = client;
            this.ownsClient = ownsClient;
        }

        boolean working() {
            return working;
        }

        RedisConnection current() {
            return current;
        }

        /**
         * The connection to send on: the current one (with a Cluster, even broken), else the attempt in flight, else a
         * new attempt.
         */
        Future<RedisConnection> connection() {
            Future<RedisConnection> now = ready;
            if (now != null) {
                if (!working) {
                    replace();
                }
                return now;
            }
            synchronized (this) {
                if (connecting == null) {
                    replace();
                }
                if (connecting != null) {
                    return connecting;
                }
                if (ready != null) {
                    return ready; // the attempt completed while it started (a connection at hand)
                }
                return Future.failedFuture(new IllegalStateException("no Redis connection"
                        + (lastFailure != null ? " (" + lastFailure.getMessage() + ")" : ""), lastFailure));
            }
        }

        void failed(RedisConnection connection, Throwable failure) {
            if (connection == current && breaksConnection(failure)) {
                broke(connection, failure.getMessage());
            }
        }

        /** Stops using a connection that broke (a Cluster's until its replacement is there) and replaces it. */
        private void broke(RedisConnection connection, String why) {
            synchronized (this) {
                if (connection != current) {
                    return;
                }
                if (working) {
                    LOGGER.debugf("Redis connection %d broke: %s", index, why);
                }
                working = false;
                if (!cluster) {
                    // a single server's or a primary's connection serves nothing once broken: wait for the next one
                    ready = null;
                }
            }
            replace();
        }

        /** Starts connecting a replacement, unless one is connecting or the last attempt was too recent. */
        synchronized void replace() {
            long now = System.nanoTime();
            if (closed || connecting != null || now - lastAttemptNanos < reconnectNanos) {
                return;
            }
            lastAttemptNanos = now;
            Promise<RedisConnection> attempt = Promise.promise();
            connecting = attempt.future();
            long timer = vertx.setTimer(CONNECT_MAX_MILLIS, id -> attempt.tryFail(
                    new IllegalStateException("Redis did not accept a connection within " + CONNECT_MAX_MILLIS + " ms")));
            client.connect().onComplete(result -> {
                vertx.cancelTimer(timer);
                if (result.succeeded() && !attempt.tryComplete(result.result())) {
                    result.result().close(); // too late: another attempt may already be running
                } else if (result.failed()) {
                    attempt.tryFail(result.cause());
                }
            });
            attempt.future().onComplete(result -> connected(attempt.future(), result.succeeded() ? result.result() : null,
                    result.cause()));
        }

        private void connected(Future<RedisConnection> attempt, RedisConnection connection, Throwable failure) {
            RedisConnection old;
            boolean startsSlotTableTimer;
            boolean afterAFailure;
            synchronized (this) {
                if (connecting == attempt) {
                    connecting = null;
                }
                if (connection == null) {
                    lastFailure = failure;
                    LOGGER.debugf("Redis connection %d could not be opened: %s", index, failure.getMessage());
                    return;
                }
                if (closed) {
                    connection.close();
                    return;
                }
                old = current;
                afterAFailure = old != null || lastFailure != null;
                current = connection;
                ready = Future.succeededFuture(connection);
                working = true;
                lastFailure = null;
                startsSlotTableTimer = cluster && !keepingSlotTableFresh;
                keepingSlotTableFresh = true;
            }
            FlushCoalescing.install(connection);
            if (startsSlotTableTimer) {
                keepSlotTableFresh();
            }
            connection.endHandler(end -> lost(connection, "it ended"));
            connection.exceptionHandler(error -> lost(connection, String.valueOf(error.getMessage())));
            if (old != null) {
                old.endHandler(null);
                old.exceptionHandler(null);
                old.close();
                LOGGER.infof("Redis connection %d replaced", index);
            }
            if (afterAFailure) {
                // Redis answers again: the other broken connections need not wait out their back-off. In a task of
                // its own: this may run inside this slot's replace() (a connection at hand completes the attempt at
                // once), which holds this slot's lock, and taking another slot's lock while another loop did the same
                // the other way round deadlocked both loops
                vertx.runOnContext(ignored -> {
                    for (Slot other : slots) {
                        if (other != this) {
                            other.retryNow();
                        }
                    }
                });
            }
        }

        /**
         * Another connection has just reached Redis: if this one is broken, its replacement is tried now instead of
         * after the rest of its back-off. Without this, once Redis was back and the store's probe (on another
         * connection) had put admissions back on it, a loop whose last attempt fell just before failed its next
         * admission at once ("no Redis connection"), which sent the instance back to the failure policy until the
         * next probe. A connection never opened (nothing asked for it yet) is left alone.
         */
        private void retryNow() {
            synchronized (this) {
                if (closed || working || connecting != null || (current == null && lastFailure == null)) {
                    return;
                }
                lastAttemptNanos = System.nanoTime() - reconnectNanos;
            }
            replace();
        }

        private void lost(RedisConnection connection, String why) {
            broke(connection, why);
        }

        synchronized void close() {
            working = false;
            if (current != null) {
                current.endHandler(null);
                current.exceptionHandler(null);
                current.close();
            }
            if (ownsClient) {
                client.close();
            }
        }

        /**
         * Touches this slot's client's slot table right after its cache expires, so that the reading of the new table
         * is started here and not by an admission (each slot's client has a table of its own). A touch costs no command
         * while the table is cached; when the table has expired, it starts the reading ({@code CLUSTER SLOTS} on the
         * first seed that answers), and the next touch is due one TTL after that reading completes. While the table is
         * still there (the cache's own timer runs on another event loop and may fire a little later), it looks again a
         * millisecond later, a few times, then every tenth of a TTL.
         */
        private void keepSlotTableFresh() {
            if (closed) {
                return;
            }
            RedisConnection connection = current;
            if (connection == null) {
                vertx.setTimer(slotTableTtlMillis, id -> keepSlotTableFresh());
                return;
            }
            Future<List<List<Request>>> table = RedisCluster.create(connection).groupByNodes(List.of());
            if (!table.isComplete()) {
                slotTableChecks = 0;
                table.onComplete(read -> vertx.setTimer(slotTableTtlMillis + 2, id -> keepSlotTableFresh()));
            } else if (++slotTableChecks <= 5) {
                vertx.setTimer(1, id -> keepSlotTableFresh());
            } else {
                slotTableChecks = 0;
                vertx.setTimer(Math.max(1, slotTableTtlMillis / 10), id -> keepSlotTableFresh());
            }
        }
    }
}
