package dev.sluice.limits;

import dev.sluice.config.SluiceConfig;
import dev.sluice.config.SluiceConfig.RedisFailure;
import dev.sluice.error.ErrorCode;
import dev.sluice.error.ProxyError;
import dev.sluice.eventloop.FixedDelayTimers;
import dev.sluice.eventloop.Timer;
import dev.sluice.routing.Price;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * Admission of requests against their account's limits (contract §4): asks the limit store, turns a refusal into
 * its 429 or 402 with the right headers, and decides what happens while Redis is unreachable
 * ({@code redis-failure}: fall back to the in-process store, admit, or refuse with 503).
 *
 * <p>While Redis is down no admission pays its timeout: the first failure marks it down, admissions go to the
 * failure policy at once, and a probe pings Redis every {@code redis-probe-interval} until it answers again.
 *
 * <p>Thread-safe; called on event-loop threads; never blocks.
 */
public final class Admission {

    /** The answer to an admin change that Redis was sent but did not answer in time. */
    public static final String UNANSWERED_CHANGE = "Redis did not answer in time. The change was sent and may still be "
            + "applied when Redis answers: read it back (GET) before you send it again.";

    private static final Logger LOGGER = Logger.getLogger(Admission.class);

    /** How admission is deciding right now, for readiness and metrics. */
    public enum Mode {
        LOCAL("local"), REDIS("redis"), DEGRADED("degraded"), UNAVAILABLE("unavailable");

        private final String label;

        Mode(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** Told of every decision and store failure, for metrics. */
    public interface Listener {
        /**
         * One decision: {@code admitted}, {@code refused} (by {@code refusedBy}), {@code unchecked} (admitted without
         * a store, redis-failure open) or {@code unavailable} (refused, redis-failure closed).
         */
        void decided(Limit refusedBy, String decision);

        /** One admission took this long in this store ({@code redis} or {@code local}). */
        void admissionTook(String store, long nanos);

        void storeFailed(Throwable failure);
    }

    /**
     * An admitted request's hold on its account until it ends: its lease (null when the account has no limit), the
     * headers of its answer, the usage read from the answer (null when nothing is settled) and the timer that renews
     * its slot while it runs. Confined to the request's event loop.
     */
    public static final class Ticket {
        private static final Ticket FREE = new Ticket(null, null, null, 0, null);

        private final Lease lease;
        /** What the RateLimit headers are written from (null limits: none), when the answer's headers are made. */
        private final AccountLimits limits;
        private final Snapshot snapshot;
        private final long admittedAt;
        private final UsageTap usage;
        private Timer renewal;
        private boolean released;
        /** The request's Vert.x context, kept for a lease of the local store taken while Redis did not answer. */
        private Context loop;
        /**
         * The same slot on Redis, once Redis answers again, for a lease of the local store taken while it did not:
         * renewed and released there too, so that Redis counts it until the request ends. Set and read on the
         * request's event loop.
         */
        private Lease onRedis;
        /**
         * For a slot Redis granted: whether the local store holds it too (Redis failed while the request ran), and
         * whether the request ended. Guarded by the ticket's monitor: Redis may fail on any event loop.
         */
        private volatile boolean heldLocally;
        private boolean slotEnded;

        /** The quota window the request was counted in, to take it back out of ({@link #release}). */
        private long quotaWindowStart;

        private Ticket(Lease lease, AccountLimits limits, Snapshot snapshot, long admittedAt, UsageTap usage) {
            this.lease = lease;
            this.limits = limits;
            this.snapshot = snapshot;
            this.admittedAt = admittedAt;
            this.usage = usage;
        }

        public Lease lease() {
            return lease;
        }

        /**
         * Adds the headers every answer to this request carries (RateLimit-*) to a new response's headers, straight
         * into them (no map in between: this runs for every admitted request).
         */
        public void writeHeaders(MultiMap headers) {
            if (limits != null) {
                RateLimitHeaders.admitted(limits, snapshot, admittedAt, headers::add);
            }
        }

        /** Reads the real usage from the answer's bytes on their way through, or null when nothing is settled. */
        public UsageTap usage() {
            return usage;
        }
    }

    /** A control-plane rate no caller reaches: the admin API's reads of an account's usage are not limited. */
    private static final double UNLIMITED_RATE = 1e9;

    private static final Future<Ticket> FREE_TICKET = Future.succeededFuture(Ticket.FREE);

    private final Vertx vertx;
    private final LimitStore redis;
    private final LocalLimitStore local;
    private final RedisFailure policy;
    private final long leaseMillis;
    /** Every third of the lease while a request runs, so that a long stream keeps its slot. */
    private final FixedDelayTimers renewals;
    private final long probeMillis;
    private final LongSupplier clock;
    private final String topupUrl;
    private final double controlPlaneRate;
    private final Listener listener;
    private final java.util.concurrent.atomic.AtomicInteger pendingReleases = new java.util.concurrent.atomic.AtomicInteger();
    /** Running requests whose slot the local store gave while Redis did not answer, until Redis counts them too. */
    private final Set<Ticket> slotsOnlyHere = ConcurrentHashMap.newKeySet();
    /**
     * Running requests whose slot Redis granted ({@code redis-failure: local} only): held in the local store too when
     * Redis fails, so that the in-instance limits the instance falls back to count them.
     */
    private final Set<Ticket> slotsOnRedis = ConcurrentHashMap.newKeySet();
    private volatile boolean redisDown;
    /** Whether the local store holds the slots of {@link #slotsOnRedis}, since the local store last decided. */
    private volatile boolean redisSlotsHeldLocally;
    private int consecutiveTimeouts;
    private long probeTimer = -1;

    /**
     * @param redis the shared store (Redis), or null when {@code store: local}
     * @param local the in-process store, used for {@code store: local} and for {@code redis-failure: local}
     */
    public Admission(Vertx vertx, LimitStore redis, LocalLimitStore local, SluiceConfig.Limits settings,
            LongSupplier clock, String topupUrl, double controlPlaneRate, Listener listener) {
        this.vertx = vertx;
        this.redis = redis;
        this.local = local;
        this.policy = settings.redisFailure();
        this.leaseMillis = settings.lease().toMillis();
        this.renewals = new FixedDelayTimers(vertx, Math.max(1000, leaseMillis / 3));
        this.probeMillis = Math.max(1, settings.redisProbeInterval().toMillis());
        this.clock = clock;
        this.topupUrl = topupUrl;
        this.controlPlaneRate = controlPlaneRate;
        this.listener = listener;
    }

    /** Checks the {@code limits} group and {@code control-plane-rate}, naming the key path of each problem. */
    public static void check(SluiceConfig.Limits limits, double controlPlaneRate, dev.sluice.config.ConfigProblems problems) {
        if (limits.redisTimeout().isNegative() || limits.redisTimeout().isZero()) {
            problems.add("sluice.limits.redis-timeout", "must be positive");
        }
        if (limits.redisProbeInterval().isNegative() || limits.redisProbeInterval().isZero()) {
            problems.add("sluice.limits.redis-probe-interval", "must be positive");
        }
        if (limits.lease().toMillis() < 1000) {
            problems.add("sluice.limits.lease", "must be at least one second");
        }
        if (limits.defaultWindow().toMillis() < 1000) {
            problems.add("sluice.limits.default-window", "must be at least one second");
        }
        if (controlPlaneRate <= 0) {
            problems.add("sluice.control-plane-rate", "must be positive");
        }
    }

    public long leaseMillis() {
        return leaseMillis;
    }

    /** True while Redis is the store but unreachable, and admission follows {@code redis-failure}. */
    public boolean degraded() {
        Mode mode = mode();
        return mode != Mode.REDIS && mode != Mode.LOCAL;
    }

    public RedisFailure failurePolicy() {
        return policy;
    }

    public Mode mode() {
        if (redis == null) {
            return Mode.LOCAL;
        }
        if (!redisDown) {
            return Mode.REDIS;
        }
        return policy == RedisFailure.CLOSED ? Mode.UNAVAILABLE : Mode.DEGRADED;
    }

    /**
     * The mode readiness reports after {@link #checkRedis}: admission's, or, when that check got no answer, the one
     * Redis marked down gives. One late answer alone does not mark Redis down (a busy loop's late answer must not flip
     * admission), so an idle instance's first check of a frozen Redis reported {@code redis} and UP for one more
     * probe period; the check says what it saw at once.
     */
    public Mode modeAfterCheck(boolean answered) {
        Mode mode = mode();
        if (answered || mode != Mode.REDIS) {
            return mode;
        }
        return policy == RedisFailure.CLOSED ? Mode.UNAVAILABLE : Mode.DEGRADED;
    }

    public boolean usesRedis() {
        return redis != null;
    }

    /**
     * Admits one request or fails with the {@link ProxyError} to answer.
     *
     * @param tokens the token estimate to reserve
     * @param costMicros the cost estimate to reserve, in micro-credits
     */
    public Future<Ticket> admit(AccountLimits limits, String leaseId, long tokens, long costMicros) {
        if (limits.unlimited()) {
            listener.decided(null, "admitted");
            return FREE_TICKET;
        }
        long now = clock.getAsLong();
        long started = System.nanoTime();
        Reservation reservation = new Reservation(leaseId, tokens, costMicros);
        return decide(limits, reservation, now).onFailure(unavailable -> listener.decided(null, "unavailable"))
                .compose(decision -> {
            if (decision.store() != null) {
                listener.admissionTook(decision.store().name(), System.nanoTime() - started);
            }
            listener.decided(decision.refusedBy(),
                    decision.store() == null ? "unchecked" : decision.admitted() ? "admitted" : "refused");
            if (decision.store() == null) {
                // admitted without a store (redis-failure: open): nothing to release
                return FREE_TICKET;
            }
            if (decision.store() == redis && (limits.credits() != null || limits.requestsPerWindow() != null
                    || limits.tokensPerMinute() != null || limits.rate() != null)) {
                // the local store decides from the counts Redis reported last while Redis is down (else from the
                // file's balance and from zero); kept as it goes, not copied when Redis fails: a copy then would
                // wipe out the reservations of requests the local store admitted on a late answer
                local.follow(limits, decision.snapshot(), now);
            }
            if (!decision.admitted()) {
                return Future.failedFuture(refusal(limits, decision, reservation, now));
            }
            Lease lease = new Lease(limits, leaseId, tokens, AccountLimits.tokenWindowStart(now), costMicros,
                    decision.store());
            Ticket ticket = new Ticket(lease, limits, decision.snapshot(), now,
                    limits.settles() ? new UsageTap() : null);
            if (limits.requestsPerWindow() != null) {
                ticket.quotaWindowStart = limits.quotaWindowStart(now);
            }
            if (limits.concurrency() != null) {
                keepRenewing(ticket);
                if (decision.store() == local && redis != null) {
                    keepForRedis(ticket);
                } else if (decision.store() == redis && policy == RedisFailure.LOCAL) {
                    slotsOnRedis.add(ticket);
                }
            }
            return Future.succeededFuture(ticket);
        });
    }

    private Future<Decision> decide(AccountLimits limits, Reservation reservation, long now) {
        if (redis == null) {
            return local.admit(limits, reservation, now, leaseMillis);
        }
        if (redisDown) {
            return whileRedisDown(limits, reservation, now);
        }
        return redis.admit(limits, reservation, now, leaseMillis).map(decision -> {
            redisAnswered();
            return decision;
        }).recover(failure -> {
            redisFailed(failure);
            return whileRedisDown(limits, reservation, now);
        });
    }

    private Future<Decision> whileRedisDown(AccountLimits limits, Reservation reservation, long now) {
        return switch (policy) {
            case LOCAL -> {
                if (!redisSlotsHeldLocally) {
                    // the first decision of the local store since Redis last answered (an outage, or one late answer)
                    redisSlotsHeldLocally = true;
                    holdRedisSlotsLocally();
                }
                yield local.admit(limits, reservation, now, leaseMillis);
            }
            case OPEN -> Future.succeededFuture(new Decision(null, new Snapshot(0, 0, 0, 0, 0), 0, null));
            case CLOSED -> Future.failedFuture(ProxyError.of(ErrorCode.LIMIT_STORE_UNAVAILABLE,
                    "The limit store is unavailable; the request was not admitted.").header("Retry-After", "1"));
        };
    }

    /**
     * Frees the request's slot and settles its reservations: to the usage read from the answer when there was one
     * (priced at {@code servedPrice}, the model that answered), to the estimate when the answer carried none, to
     * nothing when no answer started. Completes when the store has applied it (never fails: a failed release is
     * logged, and the lease expires by itself within {@code lease}). Call once, on the request's event loop.
     *
     * @param answered true when the backend's answer started to reach the client
     * @param uncounted true when no backend took the request (none could be tried or connected to): it is also
     *     taken back out of its quota window
     */
    public Future<Void> release(Ticket ticket, boolean answered, Price servedPrice, boolean uncounted) {
        Lease lease = ticket.lease;
        if (lease == null || ticket.released) {
            return Future.succeededFuture();
        }
        ticket.released = true;
        if (ticket.renewal != null) {
            ticket.renewal.cancel();
        }
        if (lease.store() == redis && policy == RedisFailure.LOCAL && lease.limits().concurrency() != null) {
            slotsOnRedis.remove(ticket);
            synchronized (ticket) {
                ticket.slotEnded = true;
                if (ticket.heldLocally) {
                    local.dropSlot(lease.limits().account(), lease.id());
                }
            }
        }
        if (ticket.loop != null) {
            slotsOnlyHere.remove(ticket);
            if (ticket.onRedis != null) {
                // the slot only: what the request used was reserved and is settled in the local store
                pendingReleases.incrementAndGet();
                redis.release(ticket.onRedis, 0, 0).onComplete(done -> pendingReleases.decrementAndGet())
                        .onFailure(failure -> LOGGER.debugf("Releasing the Redis copy of lease %s failed: %s",
                                ticket.onRedis.id(), failure.getMessage()));
            }
        }
        long actualTokens = 0;
        long actualCost = 0;
        if (answered) {
            UsageTap usage = ticket.usage;
            if (usage != null && usage.found() && servedPrice != null) {
                actualTokens = usage.inputTokens() + usage.outputTokens();
                actualCost = Credits.toMicros(servedPrice.cost(usage.inputTokens(), usage.outputTokens()));
            } else {
                actualTokens = lease.reservedTokens();
                actualCost = lease.reservedCostMicros();
            }
        }
        // sent even while Redis is marked down: it costs no client anything, and if Redis answers, the slot and the
        // settlement are not lost (otherwise the lease expires by itself within `lease`)
        pendingReleases.incrementAndGet();
        Future<Void> released = uncounted && !answered && lease.limits().requestsPerWindow() != null
                ? lease.store().releaseUncounted(lease, ticket.quotaWindowStart)
                : lease.store().release(lease, actualTokens, actualCost);
        return released.onComplete(done -> pendingReleases.decrementAndGet())
                .recover(failure -> {
                    boolean onRedis = lease.store() == redis;
                    if (onRedis) {
                        // an outage is reported once, by redisFailed, not once per request in flight; a release
                        // that holds a slot is sent again until Redis answers it
                        redisFailed(failure);
                    }
                    LOGGER.logf(onRedis ? Logger.Level.DEBUG : Logger.Level.WARN,
                            "Releasing lease %s of account %s failed: %s", lease.id(), lease.limits().account(),
                            failure.getMessage());
                    return Future.succeededFuture();
                });
    }

    /**
     * Releases as {@link #release} does, but completes once the release is on its way to its store rather than when
     * the store answers ({@link LimitStore#releasesSent}): what a request's last bytes wait for. Sent ahead of them,
     * the release reaches Redis before the client can send its next request, and Redis' answer adds nothing to the
     * request's latency. A failed release is handled as {@link #release} handles it.
     */
    public Future<Void> sendRelease(Ticket ticket, boolean answered, Price servedPrice, boolean uncounted) {
        Future<Void> applied = release(ticket, answered, servedPrice, uncounted);
        return applied.isComplete() || redis == null ? applied : redis.releasesSent();
    }

    /** Waits (blocking: shutdown thread only) until the releases sent so far were answered, up to {@code max}. */
    public void awaitReleases(java.time.Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        while (pendingReleases.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Renews the ticket's lease every third of the lease until the ticket is released. */
    private void keepRenewing(Ticket ticket) {
        ticket.renewal = renewals.schedule(() -> {
            if (!ticket.released) {
                renew(ticket.lease);
                if (ticket.heldLocally && redisDown) {
                    local.holdSlot(ticket.lease.limits().account(), ticket.lease.id(), clock.getAsLong() + leaseMillis);
                }
                if (ticket.onRedis != null) {
                    renew(ticket.onRedis);
                } else if (ticket.loop != null && !redisDown) {
                    // Redis answers, and the hand-over did not take this one: admitted on one late answer (Redis was
                    // not marked down), or as Redis came back
                    handOver(ticket);
                }
                keepRenewing(ticket);
            }
        });
    }

    /**
     * A slot the local store gave while Redis did not answer is invisible to Redis, which would admit the account's
     * whole concurrency again beside it once it answers. Such a request is kept until then, and its slot is then
     * taken on Redis too ({@link #handOver}); Redis may count more than the limit for a while, and refuses until the
     * account is back under it.
     */
    private void keepForRedis(Ticket ticket) {
        ticket.loop = vertx.getOrCreateContext();
        slotsOnlyHere.add(ticket);
    }

    /**
     * Takes the slot of every running request that Redis admitted in the local store as well, as admission falls back
     * to it: the account's limit then counts the requests this instance already serves (not the other instances').
     */
    private void holdRedisSlotsLocally() {
        long expiresAt = clock.getAsLong() + leaseMillis;
        for (Ticket ticket : slotsOnRedis) {
            synchronized (ticket) {
                if (!ticket.slotEnded) {
                    ticket.heldLocally = true;
                    local.holdSlot(ticket.lease.limits().account(), ticket.lease.id(), expiresAt);
                }
            }
        }
    }

    /** Takes the slot of every request admitted by the local store while Redis did not answer on Redis as well. */
    private void handOverLocalSlots() {
        for (Ticket ticket : slotsOnlyHere) {
            handOver(ticket);
        }
    }

    private void handOver(Ticket ticket) {
        if (slotsOnlyHere.remove(ticket)) {
            ticket.loop.runOnContext(onItsLoop -> {
                if (!ticket.released && ticket.onRedis == null) {
                    Lease lease = ticket.lease;
                    // nothing reserved on Redis: the reservations stay with the local store, which settles them. An id
                    // of its own: an admission Redis answered too late has the lease's id there, and is taken back by it
                    ticket.onRedis = new Lease(lease.limits(), lease.id() + "-local", 0, lease.tokenWindowStart(), 0,
                            redis);
                    renew(ticket.onRedis);
                }
            });
        }
    }

    /** Extends a running request's slot by one lease period from now (takes it again if the store lost it). */
    void renew(Lease lease) {
        if (lease == null || lease.limits().concurrency() == null || (lease.store() == redis && redisDown)) {
            return;
        }
        lease.store().renew(lease, clock.getAsLong() + leaseMillis).onFailure(failure -> {
            if (lease.store() == redis) {
                redisFailed(failure);
            }
        });
    }

    /** The account's usage report for GET /v1/usage, or a 429 over the control-plane rate. */
    public Future<JsonObject> usage(AccountLimits limits) {
        return usage(limits, controlPlaneRate);
    }

    /** The account's usage report for the admin API: the same report, not limited by the control-plane rate. */
    public Future<JsonObject> report(AccountLimits limits) {
        return usage(limits, UNLIMITED_RATE);
    }

    private Future<JsonObject> usage(AccountLimits limits, double rate) {
        long now = clock.getAsLong();
        Future<Decision> read;
        if (redis != null && !redisDown) {
            read = redis.usage(limits, now, rate).recover(failure -> {
                redisFailed(failure);
                return local.usage(limits, now, rate);
            });
        } else {
            read = local.usage(limits, now, rate);
        }
        return read.compose(decision -> {
            if (!decision.admitted()) {
                long retryAfter = Math.max(1, (decision.waitMillis() + 999) / 1000);
                // a limit of the proxy's own: the headers every such 429 carries (§4.3), the burst being the rate
                return Future.failedFuture(ProxyError.of(ErrorCode.RATE_LIMIT_EXCEEDED,
                        "Too many usage requests for this account; slow down.").with("limit", "requests")
                        .header("Retry-After", Long.toString(retryAfter)).header("x-should-retry", "true")
                        .header("RateLimit-Limit", Long.toString(Math.max(1, (long) Math.ceil(rate))))
                        .header("RateLimit-Remaining", "0")
                        .header("RateLimit-Reset", Long.toString(retryAfter)));
            }
            return Future.succeededFuture(UsageReport.of(limits, decision.snapshot(), now));
        });
    }

    /**
     * Changes the account's credit balance by {@code amountMicros} in the store that holds it (Redis with
     * {@code store: redis}), atomically with the requests in flight. Fails with 503 {@code limit_store_unavailable}
     * while Redis does not answer: a balance is never changed in a store other instances do not see.
     */
    public Future<TopUp> topUp(AccountLimits limits, long amountMicros) {
        if (redis == null) {
            return local.topUp(limits, amountMicros);
        }
        if (redisDown) {
            return Future.failedFuture(storeUnavailable());
        }
        return redis.topUp(limits, amountMicros).recover(failure -> {
            redisFailed(failure);
            if (failure instanceof TimeoutException) {
                // sent, not answered: Redis may still run it once it answers, and a blind retry would add it twice
                LOGGER.warnf("A credit top-up of account %s got no answer from Redis in time: it may still be applied",
                        limits.account());
                return Future.failedFuture(ProxyError.of(ErrorCode.LIMIT_STORE_UNAVAILABLE, UNANSWERED_CHANGE));
            }
            return Future.failedFuture(storeUnavailable());
        });
    }

    /**
     * Forgets a deleted account's credit balance and counters, in Redis and in the local store that stands in for it
     * (best effort: a failure is logged, never answered).
     */
    public Future<Void> forget(AccountLimits limits) {
        long now = clock.getAsLong();
        local.forget(limits, now);
        if (redis == null) {
            return Future.succeededFuture();
        }
        return redis.forget(limits, now).recover(failure -> {
            LOGGER.warnf("Forgetting the counters of deleted account %s failed: %s", limits.account(),
                    failure.getMessage());
            return Future.succeededFuture();
        });
    }

    private static ProxyError storeUnavailable() {
        return ProxyError.of(ErrorCode.LIMIT_STORE_UNAVAILABLE, "The limit store (Redis) does not answer; try again.");
    }

    /** True while the Redis limit store is marked down (admissions follow {@code redis-failure}); false without Redis. */
    public boolean redisMarkedDown() {
        return redis != null && redisDown;
    }

    /** Whether Redis answers now (readiness); marks it down or up accordingly. */
    public Future<Boolean> checkRedis() {
        if (redis == null) {
            return Future.succeededFuture(true);
        }
        return redis.ping().map(ok -> {
            redisUp();
            return true;
        }).otherwise(failure -> {
            redisFailed(failure);
            return false;
        });
    }

    /**
     * Redis did not answer at start-up (the caller logged it): admission follows the failure policy from the first
     * request and readiness says so at once, until the probe reaches Redis. Without this the instance counted itself
     * on Redis until a call failed twice: a {@code rediss://} URL to a server without TLS, which never completes a
     * handshake, showed {@code "mode": "redis"} in readiness for seconds while nothing reached Redis.
     */
    public void redisUnreachableAtStart() {
        if (redis == null) {
            return;
        }
        synchronized (this) {
            redisDown = true;
            if (probeTimer < 0) {
                probeTimer = vertx.setPeriodic(probeMillis, id -> redis.ping().onSuccess(ok -> redisUp()));
            }
        }
    }

    /**
     * Counts a failed Redis call. A refused or broken connection marks Redis down at once; timeouts only when two
     * come in a row, so that one slow answer (a cold connection, a pause) costs one fallback decision, not a switch
     * of the whole instance to the failure policy.
     */
    private void redisFailed(Throwable failure) {
        listener.storeFailed(failure);
        synchronized (this) {
            if (failure instanceof java.util.concurrent.TimeoutException && ++consecutiveTimeouts < 2) {
                LOGGER.debugf("Redis limit store answered late (%s)", failure.getMessage());
                return;
            }
            if (!redisDown) {
                LOGGER.warnf("Redis limit store failed (%s); redis-failure=%s until it answers again",
                        failure.getMessage(), policy.name().toLowerCase(Locale.ROOT));
            }
            redisDown = true;
            if (probeTimer < 0) {
                probeTimer = vertx.setPeriodic(probeMillis, id -> redis.ping().onSuccess(ok -> redisUp()));
            }
        }
    }

    private void redisAnswered() {
        if (redisSlotsHeldLocally) {
            // the next fallback holds the slots Redis granted since then too
            redisSlotsHeldLocally = false;
        }
        if (consecutiveTimeouts != 0) {
            synchronized (this) {
                consecutiveTimeouts = 0;
            }
        }
    }

    private void redisUp() {
        synchronized (this) {
            consecutiveTimeouts = 0;
            if (redisDown) {
                LOGGER.info("Redis limit store answers again: limits are back on Redis");
            }
            boolean wasDown = redisDown;
            redisDown = false;
            redisSlotsHeldLocally = false;
            if (probeTimer >= 0) {
                vertx.cancelTimer(probeTimer);
                probeTimer = -1;
            }
            if (wasDown) {
                handOverLocalSlots();
            }
        }
    }

    /** The sentence of a {@code concurrency_limit_exceeded}, in the account's number. */
    static String concurrencyMessage(long limit) {
        if (limit == 0) {
            return "This account's concurrency limit is 0: it may have no request in flight.";
        }
        return "This account already has " + limit + (limit == 1 ? " request" : " requests") + " in flight, its limit.";
    }

    private ProxyError refusal(AccountLimits limits, Decision decision, Reservation reservation, long now) {
        Snapshot snapshot = decision.snapshot();
        ProxyError error = switch (decision.refusedBy()) {
            case CONCURRENCY -> ProxyError.of(ErrorCode.CONCURRENCY_LIMIT_EXCEEDED,
                    concurrencyMessage(limits.concurrency()))
                    .with("concurrency_limit", limits.concurrency())
                    .header("x-should-retry", "true");
            case QUOTA -> {
                long windowEnd = limits.quotaWindowStart(now) + limits.quotaWindowMillis();
                yield ProxyError.of(ErrorCode.REQUEST_QUOTA_EXCEEDED,
                        "This account used all " + limits.requestsPerWindow() + " requests of its quota window.")
                        .with("request_limit", limits.requestsPerWindow())
                        .with("window_end", Instant.ofEpochMilli(windowEnd).toString())
                        .with("plan_tier", limits.planTier())
                        .header("x-should-retry", "false");
            }
            case RATE -> ProxyError.of(ErrorCode.RATE_LIMIT_EXCEEDED,
                    "This account is sending requests faster than its rate limit.")
                    .with("limit", "requests").header("x-should-retry", "true");
            case TOKENS -> ProxyError.of(ErrorCode.RATE_LIMIT_EXCEEDED,
                    "This request would pass the account's tokens-per-minute limit.")
                    .with("limit", "tokens").header("x-should-retry", "true");
            case CREDITS -> {
                ProxyError credits = ProxyError.of(ErrorCode.INSUFFICIENT_CREDITS,
                        "The account's credits do not cover this request's estimated cost.")
                        .with("available_credits", Credits.fromMicros(snapshot.creditsMicros()))
                        .with("required_credits", Credits.fromMicros(reservation.costMicros()))
                        .with("topup_url", topupUrl)
                        .header("x-should-retry", "false");
                yield credits;
            }
        };
        if (decision.refusedBy() != Limit.CREDITS) {
            RateLimitHeaders.refused(limits, snapshot, decision.refusedBy(), decision.waitMillis(), now)
                    .forEach(error::header);
        }
        return error;
    }
}
