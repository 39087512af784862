package dev.sluice.control;

import dev.sluice.limits.RedisDeadline;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Runtime keys and accounts in Redis, shared by every instance ({@code limits.store: redis}). Each instance keeps
 * the whole of it in memory ({@link ControlPlane}), so that checking a key costs no Redis round trip; the view is
 * kept current two ways:
 *
 * <ul>
 *   <li>every change bumps a version and publishes it on the channel {@code sluice:control}, to which each instance
 *       is subscribed (one dedicated connection): the instances reload within milliseconds;</li>
 *   <li>every {@code sluice.admin.sync-interval} (1 s) each instance reads the version (one GET) and reloads when it
 *       is not the one it holds, which covers a missed message, a dropped subscription and a Redis restart.</li>
 * </ul>
 *
 * <p>Keys (one hash tag, so that the scripts that change several run on one Redis Cluster slot):
 * <pre>
 * sluice:{control}:keys       hash  key id -> JSON (its SHA-256, never the secret)
 * sluice:{control}:accounts   hash  account name -> JSON (the limits it sets)
 * sluice:{control}:credited   set   accounts given credits through the admin API
 * sluice:{control}:version    the version of all of the above, bumped by every change
 * </pre>
 * A change is one script (atomic, and the version moves with it). Admin changes are rare: scripts are sent with EVAL.
 *
 * <p>Thread-safe; never blocks.
 */
public final class RedisControlStore implements ControlStore {

    private static final Logger LOGGER = Logger.getLogger(RedisControlStore.class);
    /** Unreadable entries already logged (hash and field), so that each is said once, not at every sync. */
    private final Set<String> unreadableLogged = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static final String KEYS = "sluice:{control}:keys";
    static final String ACCOUNTS = "sluice:{control}:accounts";
    static final String CREDITED = "sluice:{control}:credited";
    static final String VERSION = "sluice:{control}:version";
    static final String CHANNEL = "sluice:control";

    /** KEYS[1] a hash, KEYS[2] the version; ARGV[1] field, ARGV[2] value, ARGV[3] channel. */
    private static final String SET_FIELD = """
            redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
            local version = redis.call('INCR', KEYS[2])
            redis.call('PUBLISH', ARGV[3], version)
            return version""";

    /** KEYS[1] a hash, KEYS[2] the version; ARGV[1] field, ARGV[2] channel. Returns 0 when there was no such field. */
    private static final String DELETE_FIELD = """
            if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
            redis.call('PUBLISH', ARGV[2], redis.call('INCR', KEYS[2]))
            return 1""";

    /** KEYS: accounts, keys, credited, version; ARGV[1] account, ARGV[2] channel. Its keys go with it. */
    private static final String DELETE_ACCOUNT = """
            if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
            local keys = redis.call('HGETALL', KEYS[2])
            for i = 1, #keys, 2 do
              if cjson.decode(keys[i + 1]).account == ARGV[1] then redis.call('HDEL', KEYS[2], keys[i]) end
            end
            redis.call('SREM', KEYS[3], ARGV[1])
            redis.call('PUBLISH', ARGV[2], redis.call('INCR', KEYS[4]))
            return 1""";

    /** KEYS[1] credited, KEYS[2] version; ARGV[1] account, ARGV[2] channel. */
    private static final String MARK_CREDITED = """
            if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
              redis.call('PUBLISH', ARGV[2], redis.call('INCR', KEYS[2]))
            end
            return 1""";

    /** KEYS: version, keys, accounts, credited. One consistent read of everything. */
    private static final String READ_ALL = """
            return {redis.call('GET', KEYS[1]) or '0', redis.call('HGETALL', KEYS[2]),
                    redis.call('HGETALL', KEYS[3]), redis.call('SMEMBERS', KEYS[4])}""";

    private final Redis redis;
    private final Vertx vertx;
    private final ControlPlane control;
    private final long syncMillis;
    private final RedisDeadline deadline;

    private long appliedVersion = -1;
    /** Whether this instance has read the version key: once it has, its absence means Redis lost Sluice's data. */
    private boolean versionSeen;
    private boolean syncing;
    private boolean syncAgain;
    private Promise<Void> syncDone;
    private Subscription subscription;
    private boolean subscribing;
    private long timer = -1;
    private boolean closed;

    /**
     * @param syncMillis how often the version is checked (the safety net behind pub/sub)
     * @param timeoutMillis longest any call may take
     */
    public RedisControlStore(Redis redis, Vertx vertx, ControlPlane control, long syncMillis, long timeoutMillis) {
        this.redis = redis;
        this.vertx = vertx;
        this.control = control;
        this.syncMillis = Math.max(50, syncMillis);
        this.deadline = new RedisDeadline(vertx, timeoutMillis);
    }

    @Override
    public Future<Void> start() {
        synchronized (this) {
            timer = vertx.setPeriodic(syncMillis, id -> check());
        }
        subscribe();
        return sync();
    }

    @Override
    public Future<Void> createKey(RuntimeKey key) {
        return change(SET_FIELD, new String[] {KEYS, VERSION},
                key.id(), key.toStored().encode(), CHANNEL).mapEmpty();
    }

    @Override
    public Future<Boolean> deleteKey(String id) {
        return change(DELETE_FIELD, new String[] {KEYS, VERSION}, id, CHANNEL).map(done -> done.toInteger() == 1);
    }

    @Override
    public Future<Void> putAccount(RuntimeAccount account) {
        return change(SET_FIELD, new String[] {ACCOUNTS, VERSION},
                account.name(), account.toStored().encode(), CHANNEL).mapEmpty();
    }

    @Override
    public Future<Boolean> deleteAccount(String name) {
        return change(DELETE_ACCOUNT, new String[] {ACCOUNTS, KEYS, CREDITED, VERSION}, name, CHANNEL)
                .map(done -> done.toInteger() == 1);
    }

    @Override
    public Future<Void> markCredited(String account) {
        return change(MARK_CREDITED, new String[] {CREDITED, VERSION}, account, CHANNEL).mapEmpty();
    }

    /** Runs one changing script, then reloads this instance's view, so that the change is seen here once answered. */
    private Future<Response> change(String script, String[] keys, String... args) {
        return eval(script, keys, args).compose(result -> sync().map(synced -> result));
    }

    /**
     * Reads everything and applies it. One read at a time: a sync asked for while one runs makes that one run again
     * when it ends, so the last applied state is never older than the last change seen.
     */
    Future<Void> sync() {
        Promise<Void> done;
        synchronized (this) {
            if (syncing) {
                syncAgain = true;
                if (syncDone == null) {
                    syncDone = Promise.promise();
                }
                return syncDone.future();
            }
            syncing = true;
            done = Promise.promise();
        }
        readAll(done);
        return done.future();
    }

    private void readAll(Promise<Void> done) {
        eval(READ_ALL, new String[] {VERSION, KEYS, ACCOUNTS, CREDITED}).onComplete(read -> {
            if (read.succeeded()) {
                try {
                    RuntimeState state = parse(read.result());
                    long before;
                    synchronized (this) {
                        before = appliedVersion;
                        appliedVersion = state.version();
                    }
                    if (state.version() < before) {
                        warnWentBack(before, state);
                    }
                    control.runtime(state);
                } catch (RuntimeException unreadable) {
                    LOGGER.errorf(unreadable, "The runtime keys and accounts in Redis could not be read");
                }
            } else {
                LOGGER.warnf("Reading the runtime keys and accounts from Redis failed (%s); retried within %d ms",
                        read.cause().getMessage(), syncMillis);
            }
            Promise<Void> next;
            synchronized (this) {
                if (syncAgain) {
                    syncAgain = false;
                    next = syncDone;
                    syncDone = null;
                } else {
                    syncing = false;
                    next = null;
                }
            }
            if (read.succeeded()) {
                done.tryComplete();
            } else {
                done.tryFail(read.cause());
            }
            if (next != null) {
                readAll(next);
            }
        });
    }

    /**
     * The whole runtime state. An entry that cannot be read (written by hand, or by a version of Sluice that stores
     * it otherwise) is left out and logged once, not allowed to stop every other key and account from applying.
     */
    private RuntimeState parse(Response all) {
        long version = Long.parseLong(all.get(0).toString());
        Map<String, RuntimeKey> keys = new LinkedHashMap<>();
        Response keyHash = all.get(1);
        for (int i = 0; i + 1 < keyHash.size(); i += 2) {
            String field = keyHash.get(i).toString();
            try {
                RuntimeKey key = RuntimeKey.fromStored(new JsonObject(keyHash.get(i + 1).toString()));
                keys.put(key.id(), key);
            } catch (RuntimeException unreadable) {
                skipUnreadable(KEYS, field, unreadable);
            }
        }
        Map<String, RuntimeAccount> accounts = new LinkedHashMap<>();
        Response accountHash = all.get(2);
        for (int i = 0; i + 1 < accountHash.size(); i += 2) {
            String name = accountHash.get(i).toString();
            try {
                accounts.put(name, RuntimeAccount.fromStored(name, new JsonObject(accountHash.get(i + 1).toString())));
            } catch (RuntimeException unreadable) {
                skipUnreadable(ACCOUNTS, name, unreadable);
            }
        }
        Set<String> credited = new HashSet<>();
        for (Response member : all.get(3)) {
            credited.add(member.toString());
        }
        return new RuntimeState(version, keys, accounts, credited);
    }

    private void skipUnreadable(String hash, String field, RuntimeException cause) {
        if (unreadableLogged.add(hash + " " + field)) {
            // a field read wrong names itself; JSON that does not parse says where
            String why = cause instanceof DecodeException ? "not a JSON object: " + cause.getMessage()
                    : cause instanceof IllegalArgumentException ? cause.getMessage() : cause.toString();
            LOGGER.warnf("Redis hash %s: the entry %s cannot be read (%s); it is left out, the others apply", hash, field,
                    why);
        }
    }

    public static final String EMPTIED = "Redis answers without Sluice's data (it restarted without persistence, lost its "
            + "writes in a failover, or was flushed): credit balances start again from the configuration's credits, "
            + "and quota windows and token minutes from zero. Give Redis persistence (appendonly yes) to keep them";

    /**
     * Versions only grow, so a lower one means Redis lost what this instance had applied: a restart without
     * persistence, a failover that lost the last writes, a FLUSHALL. Whatever was created at run time and is not in
     * Redis any more stops being served, which an operator must hear about.
     */
    private void warnWentBack(long before, RuntimeState now) {
        RuntimeState had = control.generation().runtime();
        LOGGER.warnf("The runtime keys and accounts in Redis went back from version %d to %d (Redis restarted without "
                + "persistence, lost writes in a failover, or was flushed): %d of %d keys and %d of %d accounts created "
                + "with the admin API remain, and only they are served; credit balances and request counts may be lost "
                + "too", before, now.version(), now.keys().size(),
                had.keys().size(), now.accounts().size(), had.accounts().size());
    }

    /** The safety net: one GET of the version; a reload when it is not the one applied; a new subscription if needed. */
    private void check() {
        subscribe();
        bounded(redis.send(Request.cmd(Command.GET).arg(VERSION))).onSuccess(version -> {
            long current = version == null ? 0 : version.toLong();
            boolean stale;
            boolean emptied;
            synchronized (this) {
                stale = current != appliedVersion;
                emptied = version == null && versionSeen && appliedVersion <= 0;
                versionSeen |= version != null;
            }
            if (version == null) {
                // set (to 0, what its absence reads as) so that a Redis that loses everything is told apart from one
                // that never had anything: the key is gone only then
                bounded(redis.send(Request.cmd(Command.SET).arg(VERSION).arg("0").arg("NX")));
            }
            if (emptied) {
                // with runtime keys or accounts, the version going back says so (warnWentBack)
                LOGGER.warn(EMPTIED);
            }
            if (stale) {
                sync();
            }
        });
    }

    /** A dedicated connection subscribed to the change channel; dropped and made again when it fails. */
    private void subscribe() {
        synchronized (this) {
            if (closed || subscribing || subscription != null) {
                return;
            }
            subscribing = true;
        }
        redis.connect().onComplete(connected -> {
            if (connected.failed()) {
                synchronized (this) {
                    subscribing = false;
                }
                LOGGER.debugf("Subscribing to %s failed: %s", CHANNEL, connected.cause().getMessage());
                return;
            }
            RedisConnection connection = connected.result();
            Subscription channel = new Subscription(connection);
            connection.handler(message -> {
                if (isMessage(message)) {
                    sync();
                }
            });
            connection.exceptionHandler(failure -> dropped(channel));
            connection.endHandler(ended -> dropped(channel));
            connection.send(Request.cmd(Command.SUBSCRIBE).arg(CHANNEL)).onComplete(subscribed -> {
                boolean kept;
                synchronized (this) {
                    subscribing = false;
                    kept = subscribed.succeeded() && !closed;
                    if (kept) {
                        subscription = channel;
                    }
                }
                if (kept) {
                    sync(); // whatever changed while no subscription was listening
                } else {
                    channel.close();
                }
            });
        });
    }

    private void dropped(Subscription channel) {
        synchronized (this) {
            if (subscription == channel) {
                subscription = null;
            }
        }
        channel.close();
    }

    /**
     * The connection subscribed to the change channel, closed once, by whichever comes first of its failure, its end
     * and the store's close. Closing it twice is not harmless: a cluster connection holds a pooled connection per
     * master and tells of each one's end, and a second close hands those back to the pool again, which Vert.x refuses
     * with an exception.
     */
    private static final class Subscription {

        private final RedisConnection connection;
        private final AtomicBoolean closed = new AtomicBoolean();

        Subscription(RedisConnection connection) {
            this.connection = connection;
        }

        void close() {
            if (closed.compareAndSet(false, true)) {
                connection.close();
            }
        }
    }

    private static boolean isMessage(Response response) {
        return (response.type() == ResponseType.PUSH || response.type() == ResponseType.MULTI) && response.size() >= 3
                && "message".equalsIgnoreCase(response.get(0).toString());
    }

    private Future<Response> eval(String script, String[] keys, String... args) {
        Request request = Request.cmd(Command.EVAL).arg(script).arg(keys.length);
        for (String key : keys) {
            request.arg(key);
        }
        for (String arg : args) {
            request.arg(arg);
        }
        return bounded(redis.send(request));
    }

    private <T> Future<T> bounded(Future<T> call) {
        return deadline.bounded(call, null);
    }

    @Override
    public void close() {
        Subscription channel;
        synchronized (this) {
            closed = true;
            if (timer >= 0) {
                vertx.cancelTimer(timer);
            }
            channel = subscription;
            subscription = null;
        }
        if (channel != null) {
            channel.close();
        }
    }
}
