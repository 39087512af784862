package dev.sluice.limits;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

/**
 * Limits kept in Redis, shared by every proxy instance. Each admission is one round trip: one Lua script (EVALSHA,
 * loaded by EVAL the first time and again whenever Redis answers NOSCRIPT) that checks every limit and moves every
 * counter atomically. Release and settlement are one more round trip, after the answer went to the client. The
 * admissions an event loop makes in one pass share one script call per account, and so do its releases
 * ({@link PassBatching}).
 *
 * <p>Keys (one hash tag per account, so that Redis Cluster keeps an account on one slot):
 * <pre>
 * sluice:{account}:inflight         sorted set lease id -> expiry ms   expires with the latest lease
 * sluice:{account}:q:{windowStart}  requests in that quota window      expires at the window's end
 * sluice:{account}:rate             GCRA theoretical arrival time      expires when it no longer limits
 * sluice:{account}:tok:{minute}     tokens of that minute              expires a minute after the minute
 * sluice:{account}:credits          balance in micro-credits           no expiry
 * sluice:{account}:cp               control-plane GCRA state           expires when it no longer limits
 * </pre>
 * Every call is bounded by {@code redis-timeout}; callers decide what a failure means.
 *
 * <p>Redis may be a single server, a Sentinel-managed primary or a Redis Cluster ({@code quarkus.redis.client-type});
 * {@link RedisLink} keeps the connections and follows the topology. Two things keep a Redis outage (a failover, a lost
 * Cluster master) from leaving slots taken in Redis that no request holds:
 * <ul>
 * <li>an admission that Redis answers after the caller gave up on it (the Cluster client retries a command for
 * seconds while the cluster is down, a paused server answers when it resumes) is taken back at once: its slot, its
 * reservations and its request count;
 * <li>a release that fails is sent again every {@value #RETRY_MILLIS} ms until Redis answers it, for a lease that
 * holds a slot. Every release of such a lease settles only if it still held its slot: a release that timed out may
 * still run, before or after its copy (they may go on two connections), and only the first to run settles;
 * <li>a release that Redis answered is kept until the replicas have copied it ({@link ReleaseJournal},
 * {@link ReplicaProgress}), and sent again when Redis
 * turns out to answer from another server than before (its {@code run_id} in {@code INFO}, asked every
 * {@value #SERVER_CHECK_MILLIS} ms; every master's, with a Cluster): what the old primary took and had not yet
 * replicated is lost with it. Only while Redis has replicas: a lone server has nothing to fail over to.
 * </ul>
 */
public final class RedisLimitStore implements LimitStore {

    private static final Logger LOGGER = Logger.getLogger(RedisLimitStore.class);
    /** How often failed releases are sent again. */
    static final long RETRY_MILLIS = 500;
    /** How long a failed release is kept: past the default lease its slot has freed itself. */
    private static final long RETRY_FOR_MILLIS = TimeUnit.MINUTES.toMillis(10);
    private static final int MAX_UNSENT_RELEASES = 100_000;
    /** How often the store asks which server answers, to notice a failover or a restart (see {@link ReleaseJournal}). */
    static final long SERVER_CHECK_MILLIS = 1_000;
    /** How long after a failover the check keeps moving connections to the Sentinels' primary. */
    static final long FOLLOW_SWITCH_MILLIS = 60_000;
    private static final int MAX_JOURNAL_BATCHES = 100_000;
    /** How long releases are still kept after the last check that saw a replica. */
    static final long JOURNAL_AFTER_REPLICA_MILLIS = 60_000;
    /** Numbers per request in the admission script's answer. */
    private static final int ANSWER_LENGTH = 7;

    private final RedisLink link;
    private final Vertx vertx;
    private final RedisDeadline deadline;
    private final Script admit = Script.load("admit.lua");
    private final Script release = Script.load("release.lua");
    private final Script renew = Script.load("renew.lua");
    private final Script usage = Script.load("usage.lua");
    private final Script topUp = Script.load("topup.lua");
    private final PassBatching<Admit, AdmitAnswer> admissions;
    private final PassBatching<Release, Void> releases;
    private final Queue<UnsentRelease> unsent = new ConcurrentLinkedQueue<>();
    private final AtomicInteger unsentCount = new AtomicInteger();
    private final AtomicBoolean retrying = new AtomicBoolean();
    private final PerLimits<LimitArgs> limitArgs = new PerLimits<>(LimitArgs::of);
    private final ReleaseJournal journal = new ReleaseJournal(MAX_JOURNAL_BATCHES);
    /** Renewals sent and not yet over, by lease id (see {@link #renew}). */
    private final Map<String, PendingRenewal> renewing = new ConcurrentHashMap<>();
    private final AtomicBoolean watchingServer = new AtomicBoolean();
    /**
     * Whether answered releases are kept: only while a server that answers has had a replica in the last minute (a
     * Sentinel's primary, a Cluster master with replicas). A lone server has nothing to fail over to, and keeping
     * every release for seconds cost the Redis path a tenth of its CPU in the benchmark (the kept objects live through
     * many young collections).
     */
    private volatile boolean journaling;
    /** How far the replicas copied: what the journal may forget (the check's only). */
    private final ReplicaProgress replicas = new ReplicaProgress(
            TimeUnit.MILLISECONDS.toNanos(JOURNAL_AFTER_REPLICA_MILLIS));
    /** The answering servers' {@code run_id}s, sorted, comma-separated; null until first asked. */
    private volatile String serverIdentity;
    private volatile long serverCheckTimer = -1;
    private volatile boolean closed;
    /** The Sentinels, asked at each check which primary they name; null unless {@link #followSentinels}. */
    private volatile SentinelView sentinels;
    /** The newest Sentinel configuration epoch seen, -1 before one; the check's only (one check at a time). */
    private long sentinelEpoch = -1;
    /** Until when (System.nanoTime) connections on another server than the Sentinels' primary are replaced. */
    private long followingSwitchUntil;
    /** The configuration epoch whose move of the connections was logged at INFO. */
    private long epochReported = -1;

    /**
     * @param redis the Quarkus Redis client, of any {@code quarkus.redis.client-type}; its Cluster slot table is kept
     *     fresh assuming the TTL {@code quarkus.redis.topology-cache-ttl} says
     * @param loopClients makes a client with {@code redis}'s options, one per event loop (see {@link RedisLink}); null
     *     to send everything through {@code redis}
     */
    public RedisLimitStore(Redis redis, Supplier<Redis> loopClients, Vertx vertx, long timeoutMillis) {
        this(redis, loopClients, vertx, timeoutMillis, topologyCacheTtlMillis());
    }

    RedisLimitStore(Redis redis, Supplier<Redis> loopClients, Vertx vertx, long timeoutMillis,
            long topologyCacheTtlMillis) {
        this.link = new RedisLink(redis, loopClients, vertx, topologyCacheTtlMillis);
        this.vertx = vertx;
        this.deadline = new RedisDeadline(vertx, timeoutMillis);
        this.admissions = new PassBatching<>(vertx, Admit::together, this::sendAdmissions);
        this.releases = new PassBatching<>(vertx, Release::together, this::sendReleases);
    }

    /** The Redis client's topology cache TTL as Quarkus configures it (its default: one second). */
    static long topologyCacheTtlMillis() {
        try {
            Config config = ConfigProvider.getConfig();
            return config.getOptionalValue("quarkus.redis.topology-cache-ttl", Duration.class)
                    .or(() -> config.getOptionalValue("quarkus.redis.hash-slot-cache-ttl", Duration.class))
                    .map(Duration::toMillis).orElse(1_000L);
        } catch (RuntimeException noConfiguration) {
            return 1_000;
        }
    }

    /** One request's admission, as sent in a batch. */
    private record Admit(AccountLimits limits, LimitArgs fixed, long quotaStart, long tokenStart, long now,
            String leaseId, long leaseExpiry, long tokens, long costMicros) {

        /** One script call: one account, the same limits, the same quota window and token minute. */
        boolean together(Admit other) {
            return fixed == other.fixed && quotaStart == other.quotaStart && tokenStart == other.tokenStart
                    && limits.account().equals(other.limits.account());
        }
    }

    /** One request's numbers in the admission script's answer to its batch. */
    private record AdmitAnswer(Response reply, int offset) {

        long get(int index) {
            return reply.get(offset + index).toLong();
        }
    }

    /** One request's release: its lease and what it really used. */
    record Release(Lease lease, long actualTokens, long actualCostMicros) {

        /** One script call: one account, one token minute. */
        boolean together(Release other) {
            return lease.tokenWindowStart() == other.lease.tokenWindowStart()
                    && lease.limits().account().equals(other.lease.limits().account());
        }
    }

    /** A release that failed, to send again ({@code uncountWindow}: the quota window to uncount it from, or -1). */
    private record UnsentRelease(Release release, long uncountWindow, long sinceNanos) {
    }

    /** The Redis keys of one account; the only place they are spelled. */
    static final class Keys {
        private Keys() {
        }

        static String prefix(String account) {
            return "sluice:{" + account + "}:";
        }

        static String inflight(String account) {
            return prefix(account) + "inflight";
        }

        static String quota(String account, long windowStart) {
            return prefix(account) + "q:" + windowStart;
        }

        static String rate(String account) {
            return prefix(account) + "rate";
        }

        static String tokens(String account, long minuteStart) {
            return prefix(account) + "tok:" + minuteStart;
        }

        static String credits(String account) {
            return prefix(account) + "credits";
        }

        static String controlPlane(String account) {
            return prefix(account) + "cp";
        }
    }

    @Override
    public Future<Decision> admit(AccountLimits limits, Reservation reservation, long now, long leaseMillis) {
        long quotaStart = limits.requestsPerWindow() != null ? limits.quotaWindowStart(now) : 0;
        Admit admit = new Admit(limits, limitArgs.get(limits), quotaStart, AccountLimits.tokenWindowStart(now), now,
                reservation.leaseId(), now + leaseMillis, reservation.tokens(), reservation.costMicros());
        return admissions.add(admit).map(answer -> {
            int code = (int) answer.get(0);
            Snapshot snapshot = new Snapshot(answer.get(1), answer.get(2), answer.get(3), answer.get(5), answer.get(6));
            Limit refusedBy = code == 0 ? null : Limit.values()[code - 1];
            return new Decision(refusedBy, snapshot, answer.get(4), this);
        });
    }

    /**
     * Sends admissions of one account, limits, quota window and token minute as one script call; answers each one's
     * numbers. An admission Redis answers after the timeout is taken back.
     */
    private Future<List<AdmitAnswer>> sendAdmissions(List<Admit> batch) {
        Admit first = batch.get(0);
        String account = first.limits().account();
        String[] keys = {Keys.inflight(account), Keys.quota(account, first.quotaStart()), Keys.rate(account),
                Keys.tokens(account, first.tokenStart()), Keys.credits(account)};
        LimitArgs fixed = first.fixed();
        String[] args = new String[8 + 5 * batch.size()];
        args[0] = fixed.concurrency;
        args[1] = fixed.quota;
        args[2] = Long.toString(first.quotaStart() + first.limits().quotaWindowMillis());
        args[3] = fixed.rateInterval;
        args[4] = fixed.rateTolerance;
        args[5] = fixed.tokens;
        args[6] = Long.toString(first.tokenStart() + AccountLimits.TOKEN_WINDOW_MILLIS);
        args[7] = fixed.credits;
        int at = 8;
        for (Admit admit : batch) {
            args[at++] = Long.toString(admit.now());
            args[at++] = admit.leaseId();
            args[at++] = Long.toString(admit.leaseExpiry());
            args[at++] = Long.toString(admit.tokens());
            args[at++] = Long.toString(admit.costMicros());
        }
        return bounded(eval(this.admit, keys, args), late -> {
            for (int i = 0; i < batch.size(); i++) {
                if (new AdmitAnswer(late, ANSWER_LENGTH * i).get(0) == 0) {
                    Admit admit = batch.get(i);
                    takeBack(new Lease(admit.limits(), admit.leaseId(), admit.tokens(), admit.tokenStart(),
                            admit.costMicros(), this), admit.quotaStart());
                }
            }
        }).map(reply -> {
            List<AdmitAnswer> answers = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                answers.add(new AdmitAnswer(reply, ANSWER_LENGTH * i));
            }
            return answers;
        });
    }

    /**
     * The admission script's arguments that depend on the account's limits only. Written once per limits: formatting
     * the rate's doubles showed in profiles of the Redis path.
     */
    private record LimitArgs(String concurrency, String quota, String rateInterval, String rateTolerance, String tokens,
            String credits) {

        static LimitArgs of(AccountLimits limits) {
            return new LimitArgs(
                    limits.concurrency() != null ? limits.concurrency().toString() : "-1",
                    limits.requestsPerWindow() != null ? limits.requestsPerWindow().toString() : "-1",
                    limits.rate() != null ? Double.toString(limits.rateIntervalMillis()) : "-1",
                    limits.rate() != null ? Double.toString(limits.rateToleranceMillis()) : "0",
                    limits.tokensPerMinute() != null ? limits.tokensPerMinute().toString() : "-1",
                    limits.credits() != null ? Long.toString(Credits.toMicros(limits.credits())) : "-1");
        }
    }

    @Override
    public Future<Void> release(Lease lease, long actualTokens, long actualCostMicros) {
        noteReleased(lease);
        return releases.add(new Release(lease, actualTokens, actualCostMicros));
    }

    /** The releases of this pass go in one script call at its end; one taken back ({@link #releaseUncounted}) at once. */
    @Override
    public Future<Void> releasesSent() {
        return releases.flushed();
    }

    @Override
    public Future<Void> releaseUncounted(Lease lease, long quotaWindowStart) {
        // rare (a request no backend took): sent alone, with its quota window, as an admission taken back is
        noteReleased(lease);
        long window = lease.limits().requestsPerWindow() != null ? quotaWindowStart : -1;
        Release nothingUsed = new Release(lease, 0, 0);
        return journaled(List.of(nothingUsed), window).onFailure(failure -> keepForRetry(
                new UnsentRelease(nothingUsed, window, System.nanoTime()), failure)).mapEmpty();
    }

    /** Sends releases of one account and token minute as one script call; failed ones are kept for a retry. */
    private Future<List<Void>> sendReleases(List<Release> batch) {
        return journaled(batch, -1).onFailure(failure -> {
            long now = System.nanoTime();
            for (Release release : batch) {
                keepForRetry(new UnsentRelease(release, -1, now), failure);
            }
        }).map(applied -> Collections.nCopies(batch.size(), null));
    }

    /**
     * Sends releases (see {@link #releaseCall}), bounded by the timeout; once Redis answered, keeps them until its
     * replicas copied them, when it has any.
     */
    private Future<Response> journaled(List<Release> batch, long uncountWindow) {
        Future<Response> call = bounded(releaseCall(batch, uncountWindow), null);
        // decided as it is sent: without replicas not even a handler is added (the release path runs per request)
        return journaling ? call.onSuccess(answered -> journal.add(batch, uncountWindow, System.nanoTime())) : call;
    }

    /**
     * @param batch releases of one account, made in one token minute
     * @param uncountWindow the quota window to take the requests back out of, or -1
     */
    private Future<Response> releaseCall(List<Release> batch, long uncountWindow) {
        Lease first = batch.get(0).lease();
        String account = first.limits().account();
        String[] keys = uncountWindow < 0
                ? new String[] {Keys.inflight(account), Keys.tokens(account, first.tokenWindowStart()), Keys.credits(account)}
                : new String[] {Keys.inflight(account), Keys.tokens(account, first.tokenWindowStart()), Keys.credits(account),
                    Keys.quota(account, uncountWindow)};
        String[] args = new String[1 + 4 * batch.size()];
        args[0] = uncountWindow < 0 ? "0" : "1";
        int at = 1;
        for (Release release : batch) {
            Lease lease = release.lease();
            AccountLimits limits = lease.limits();
            args[at++] = lease.id();
            args[at++] = limits.tokensPerMinute() != null
                    ? Long.toString(release.actualTokens() - lease.reservedTokens()) : "0";
            args[at++] = limits.credits() != null
                    ? Long.toString(lease.reservedCostMicros() - release.actualCostMicros()) : "0";
            // a lease that holds a slot settles with the release that frees it, once, whichever copy Redis runs first
            args[at++] = limits.concurrency() != null ? "1" : "0";
        }
        return eval(release, keys, args);
    }

    /**
     * Takes back an admission that Redis answered after the caller had given up on it (and decided without Redis):
     * frees its slot, refunds its reservations and uncounts it from its quota window.
     */
    private void takeBack(Lease lease, long quotaWindowStart) {
        long window = lease.limits().requestsPerWindow() != null ? quotaWindowStart : -1;
        LOGGER.debugf("Redis admitted lease %s of account %s after redis-timeout; taking it back", lease.id(),
                lease.limits().account());
        Release nothingUsed = new Release(lease, 0, 0);
        journaled(List.of(nothingUsed), window).onFailure(failure -> keepForRetry(
                new UnsentRelease(nothingUsed, window, System.nanoTime()), failure));
    }

    /**
     * Keeps a failed release of a lease that holds a slot, to send it again once Redis answers; the slot would
     * otherwise stay taken until its lease expires. Releases of accounts without a concurrency limit hold no slot and
     * are not resent (their reservations stand, as when a stream ends without usage).
     */
    private void keepForRetry(UnsentRelease pending, Throwable failure) {
        if (pending.release().lease().limits().concurrency() == null || !transientFailure(failure)) {
            return;
        }
        if (unsentCount.incrementAndGet() > MAX_UNSENT_RELEASES) {
            unsentCount.decrementAndGet();
            return; // the lease frees its slot by itself
        }
        unsent.add(pending);
        if (retrying.compareAndSet(false, true)) {
            vertx.setTimer(RETRY_MILLIS, id -> retryReleases());
        }
    }

    /** Sends the failed releases again: the oldest alone (is Redis back?), then, if it went through, the others. */
    private void retryReleases() {
        UnsentRelease first = takeUnsent();
        if (first == null) {
            retrying.set(false);
            if (!unsent.isEmpty() && retrying.compareAndSet(false, true)) {
                vertx.setTimer(RETRY_MILLIS, id -> retryReleases());
            }
            return;
        }
        resend(first).onComplete(done -> {
            List<Future<Void>> others = new ArrayList<>();
            if (done.succeeded()) {
                for (int left = unsentCount.get(); left > 0; left--) {
                    UnsentRelease next = takeUnsent();
                    if (next == null) {
                        break;
                    }
                    others.add(resend(next));
                }
            }
            Future.join(others).onComplete(all -> vertx.setTimer(RETRY_MILLIS, id -> retryReleases()));
        });
    }

    private UnsentRelease takeUnsent() {
        UnsentRelease next = unsent.poll();
        if (next != null) {
            unsentCount.decrementAndGet();
        }
        return next;
    }

    /** Sends one kept release again; it is kept again when Redis still does not answer, until it is too old. */
    private Future<Void> resend(UnsentRelease pending) {
        if (System.nanoTime() - pending.sinceNanos() > TimeUnit.MILLISECONDS.toNanos(RETRY_FOR_MILLIS)) {
            return Future.succeededFuture(); // its lease has expired: the slot freed itself
        }
        return journaled(List.of(pending.release()), pending.uncountWindow())
                .<Void>mapEmpty().onFailure(failure -> {
                    if (transientFailure(failure)) {
                        unsentCount.incrementAndGet();
                        unsent.add(pending);
                    }
                });
    }

    /**
     * Whether a failure may pass: no answer (the connection closed under the command included), or an answer of a
     * Redis that is failing over or not ready.
     */
    static boolean transientFailure(Throwable failure) {
        if (!(failure instanceof Response)) {
            return true;
        }
        String message = String.valueOf(failure.getMessage());
        for (String code : new String[] {RedisLink.CONNECTION_CLOSED, "CLUSTERDOWN", "TRYAGAIN", "MOVED", "ASK",
            "LOADING", "READONLY", "MASTERDOWN", "NOREPLICAS", "BUSY"}) {
            if (message.startsWith(code)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Renews a running request's slot (takes it again if Redis lost it). A renewal still unanswered when its request
     * ends may run after the release: the Cluster client sends a command again by itself for seconds while the cluster
     * is down ({@code CLUSTERDOWN}, {@code TRYAGAIN}), past the caller's timeout and past a release sent meanwhile, and
     * it would take the slot again for the rest of its lease. So a release sent while a renewal of its lease is on its
     * way is noted, and once that renewal is over the slot is freed again (settling nothing: the release settled).
     */
    @Override
    public Future<Void> renew(Lease lease, long expiresAtMillis) {
        String id = lease.id();
        renewing.compute(id, (key, pending) -> pending == null ? new PendingRenewal() : pending.oneMore());
        Future<Response> call = eval(renew, new String[] {Keys.inflight(lease.limits().account())},
                new String[] {id, Long.toString(expiresAtMillis)});
        call.onComplete(over -> {
            boolean[] releasedMeanwhile = new boolean[1];
            renewing.computeIfPresent(id, (key, pending) -> {
                if (--pending.inFlight > 0) {
                    return pending;
                }
                releasedMeanwhile[0] = pending.released;
                return null;
            });
            if (releasedMeanwhile[0]) {
                // what the release settled stays settled: a slot-only release (used as reserved) moves no counter
                Release slotOnly = new Release(lease, lease.reservedTokens(), lease.reservedCostMicros());
                journaled(List.of(slotOnly), -1).onFailure(failure -> keepForRetry(
                        new UnsentRelease(slotOnly, -1, System.nanoTime()), failure));
            }
        });
        return bounded(call, null).mapEmpty();
    }

    /** Renewals of one lease sent and not yet over, and whether the lease was released meanwhile. */
    private static final class PendingRenewal {
        int inFlight = 1;
        boolean released;

        PendingRenewal oneMore() {
            inFlight++;
            return this;
        }
    }

    /** Notes a release of a lease whose renewal is on its way (see {@link #renew}). */
    private void noteReleased(Lease lease) {
        if (!renewing.isEmpty()) {
            renewing.computeIfPresent(lease.id(), (key, pending) -> {
                pending.released = true;
                return pending;
            });
        }
    }

    @Override
    public Future<Decision> usage(AccountLimits limits, long now, double controlPlaneRate) {
        String account = limits.account();
        long quotaStart = limits.requestsPerWindow() != null ? limits.quotaWindowStart(now) : 0;
        String[] keys = {Keys.inflight(account), Keys.quota(account, quotaStart), Keys.rate(account),
                Keys.tokens(account, AccountLimits.tokenWindowStart(now)), Keys.credits(account),
                Keys.controlPlane(account)};
        double interval = 1000.0 / controlPlaneRate;
        String[] args = {Long.toString(now), Double.toString(interval),
                Double.toString((Math.max(1, controlPlaneRate) - 1) * interval),
                limits.credits() != null ? Long.toString(Credits.toMicros(limits.credits())) : "-1"};
        return bounded(eval(usage, keys, args), null).map(response -> {
            int code = response.get(0).toInteger();
            Snapshot snapshot = new Snapshot(response.get(1).toLong(), response.get(2).toLong(), 0,
                    response.get(3).toLong(), response.get(4).toLong());
            return new Decision(code == 0 ? null : Limit.RATE, snapshot, response.get(5).toLong(), this);
        });
    }

    @Override
    public Future<TopUp> topUp(AccountLimits limits, long amountMicros) {
        String initial = limits.credits() != null ? Long.toString(Credits.toMicros(limits.credits())) : "0";
        return bounded(eval(topUp, new String[] {Keys.credits(limits.account())},
                new String[] {initial, Long.toString(amountMicros), Long.toString(Credits.MAX_MICROS)}), null)
                .map(response -> new TopUp(response.get(0).toInteger() == 1, response.get(1).toLong()));
    }

    @Override
    public Future<Void> forget(AccountLimits limits, long nowMillis) {
        String account = limits.account();
        // one hash slot (the account's tag), so one DEL on a Cluster too
        Request delete = Request.cmd(Command.DEL).arg(Keys.credits(account)).arg(Keys.rate(account))
                .arg(Keys.tokens(account, AccountLimits.tokenWindowStart(nowMillis)));
        if (limits.requestsPerWindow() != null) {
            delete.arg(Keys.quota(account, limits.quotaWindowStart(nowMillis)));
        }
        return bounded(link.send(delete), null).mapEmpty();
    }

    /**
     * Opens the connection, loads every script (on every master of a Cluster), then opens each event loop's own
     * connection, so that the first admissions do not pay for a cold connection inside their timeout. Start-up only;
     * not bounded by the admission timeout.
     */
    public Future<Void> warmUp() {
        if (watchingServer.compareAndSet(false, true)) {
            serverCheckTimer = vertx.setTimer(SERVER_CHECK_MILLIS, id -> checkServer());
        }
        Future<?> loads = link.open();
        for (Script script : new Script[] {admit, release, renew, usage, topUp}) {
            loads = loads.compose(ok -> link.sendToEveryMaster(Request.cmd(Command.SCRIPT).arg("LOAD").arg(script.body())));
        }
        return loads.compose(ok -> link.openOnEveryLoop());
    }

    /**
     * Whether Redis serves admissions now, bounded by the timeout: readiness and the way back from an outage. A PING
     * of the server (the Sentinels' primary); with a Cluster, every master must say {@code cluster_state:ok}, since
     * while one master is lost the others refuse every account's commands ({@code CLUSTERDOWN}) though they answer a
     * PING.
     */
    @Override
    public Future<Void> ping() {
        if (!link.cluster()) {
            return bounded(link.send(Request.cmd(Command.PING)), null).mapEmpty();
        }
        return bounded(link.sendToEveryMaster(Request.cmd(Command.CLUSTER).arg("INFO")), null).compose(replies -> {
            for (Response reply : replies) {
                if (!reply.toString().contains("cluster_state:ok")) {
                    return Future.failedFuture(new IllegalStateException("Redis Cluster state is not ok"));
                }
            }
            return Future.succeededFuture();
        });
    }

    /**
     * Asks which server answers ({@code INFO}: its {@code run_id}, and how far its replicas copied; every master's with
     * a Cluster). When the server changed, the kept releases are sent again; otherwise those the replicas copied are
     * forgotten ({@link ReplicaProgress}). A failed check changes nothing: the next one tells.
     */
    private void checkServer() {
        if (closed) {
            return;
        }
        long asked = System.nanoTime();
        bounded(link.sendToEveryMaster(Request.cmd(Command.INFO)), null).onComplete(answered -> {
            if (answered.succeeded()) {
                List<String> infos = new ArrayList<>();
                for (Response reply : answered.result()) {
                    infos.add(reply.toString());
                }
                String identity = runIds(infos);
                String before = serverIdentity;
                if (identity != null) {
                    serverIdentity = identity;
                }
                if (identity != null && before != null && !before.equals(identity)) {
                    sendJournalAgain();
                }
                if (replicas.observe(infos, asked)) {
                    journaling = replicas.replicated();
                    if (!journaling) {
                        journal.takeAll();
                    } else if (replicas.safeKnown()) {
                        journal.forgetBefore(replicas.safeBeforeNanos());
                    }
                }
                SentinelView view = sentinels;
                if (view != null) {
                    compareWithSentinels(view).onComplete(compared -> nextCheck());
                    return;
                }
            } else if (answered.cause() instanceof Response && !transientFailure(answered.cause())) {
                // NOPERM (an ACL without INFO) or an unknown command: asking again would only fail again
                LOGGER.warnf("Redis refused INFO (%s): a failover will not be noticed, and a release the old primary"
                        + " took and lost leaves its slot taken until its lease expires", answered.cause().getMessage());
                return;
            }
            nextCheck();
        });
    }

    private void nextCheck() {
        if (!closed) {
            serverCheckTimer = vertx.setTimer(SERVER_CHECK_MILLIS, id -> checkServer());
        }
    }

    /** The replies' {@code run_id}s, sorted and comma-separated; null when a reply names none. */
    static String runIds(List<String> infos) {
        List<String> ids = new ArrayList<>(infos.size());
        for (String info : infos) {
            String id = ReplicaProgress.field(info, "run_id:");
            if (id == null) {
                return null;
            }
            ids.add(id);
        }
        Collections.sort(ids);
        return String.join(",", ids);
    }

    /**
     * Has each check also ask the Sentinels which primary they name (a Sentinel set-up's store; closed with it). After
     * a failover (their configuration epoch rose), connections that still answer from another server are replaced,
     * for up to {@value #FOLLOW_SWITCH_MILLIS} ms: the old primary of a requested failover takes writes until the
     * Sentinels demote it, about 10 s, and loses them then, and the client's own reconnection on the switch notice
     * can land there again. Only after an epoch rise: a sentinel reads a restarted primary's new run_id only every
     * 10 s, and a mismatch then means nothing.
     */
    public void followSentinels(SentinelView view) {
        this.sentinels = view;
    }

    /** Moves connections still on another server than the Sentinels' primary; see {@link #followSentinels}. */
    private Future<Void> compareWithSentinels(SentinelView view) {
        return view.primary().compose(primary -> {
            if (primary == null) {
                return Future.succeededFuture();
            }
            long now = System.nanoTime();
            if (sentinelEpoch >= 0 && primary.epoch() > sentinelEpoch) {
                followingSwitchUntil = now + TimeUnit.MILLISECONDS.toNanos(FOLLOW_SWITCH_MILLIS);
            }
            sentinelEpoch = Math.max(sentinelEpoch, primary.epoch());
            if (now - followingSwitchUntil >= 0 || primary.runId() == null) {
                return Future.succeededFuture();
            }
            Future<Integer> replacing = link.replaceThoseNotOn(primary.runId(), "the Sentinels name another primary");
            // bounded like every command of the check: a Redis that stops answering must not stop the checks
            return bounded(replacing, null).map(replaced -> {
                if (replaced > 0) {
                    // said once per failover; again at DEBUG while a reconnection still lands on the old primary
                    LOGGER.logf(primary.epoch() > epochReported ? Logger.Level.INFO : Logger.Level.DEBUG,
                            "%d Redis connection(s) still answered from another server than the primary the Sentinels"
                            + " name since configuration epoch %d, %s (run_id %s): replaced", replaced,
                            primary.epoch(), primary.address(), primary.runId());
                    epochReported = primary.epoch();
                }
                return null;
            });
        });
    }

    /** Sends every kept release again, to the server that answers now; one that fails is kept for a retry. */
    private void sendJournalAgain() {
        List<ReleaseJournal.Batch> batches = journal.takeAll();
        int releases = 0;
        for (ReleaseJournal.Batch batch : batches) {
            releases += batch.releases().size();
        }
        LOGGER.infof("Redis answers from another server than before (a failover or a restart): the %d release(s) it"
                + " answered in the last seconds are sent again, so that none the old server lost keeps a slot taken",
                releases);
        long now = System.nanoTime();
        for (ReleaseJournal.Batch batch : batches) {
            journaled(batch.releases(), batch.uncountWindow()).onFailure(failure -> {
                for (Release release : batch.releases()) {
                    keepForRetry(new UnsentRelease(release, batch.uncountWindow(), now), failure);
                }
            });
        }
    }

    /** Whether answered releases are being kept (tests). */
    boolean journaling() {
        return journaling;
    }

    /** The answering servers' identity as last checked, null before the first check (tests). */
    String serverIdentity() {
        return serverIdentity;
    }

    /** Closes the kept connections (tests; in the application the Redis client closes with Quarkus). */
    public void close() {
        closed = true;
        vertx.cancelTimer(serverCheckTimer);
        link.close();
        SentinelView view = sentinels;
        if (view != null) {
            view.close();
        }
    }

    @Override
    public String name() {
        return "redis";
    }

    /**
     * EVALSHA, falling back to EVAL (which caches the script) when Redis does not know it: after a restart, or on a
     * Cluster master that took over a slot.
     */
    private Future<Response> eval(Script script, String[] keys, String[] args) {
        return link.send(script.request(Command.EVALSHA, keys, args)).recover(failure -> {
            String message = failure.getMessage();
            if (message != null && message.startsWith("NOSCRIPT")) {
                return link.send(script.request(Command.EVAL, keys, args));
            }
            return Future.failedFuture(failure);
        });
    }

    /**
     * The call, failed with a {@link TimeoutException} when Redis does not answer within the timeout.
     *
     * @param late told of an answer that came after the timeout, or null
     */
    private <T> Future<T> bounded(Future<T> call, Handler<T> late) {
        return deadline.bounded(call, late);
    }

    /** A Lua script from {@code src/main/resources/limits}, with its SHA-1. */
    private record Script(String body, String sha1) {

        static Script load(String name) {
            try (InputStream in = RedisLimitStore.class.getResourceAsStream("/limits/" + name)) {
                if (in == null) {
                    throw new IllegalStateException("missing resource /limits/" + name);
                }
                String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                byte[] digest = MessageDigest.getInstance("SHA-1").digest(body.getBytes(StandardCharsets.UTF_8));
                return new Script(body, HexFormat.of().formatHex(digest));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-1 is part of every Java runtime", e);
            }
        }

        Request request(Command command, String[] keys, String[] args) {
            Request request = Request.cmd(command).arg(command == Command.EVAL ? body : sha1).arg(keys.length);
            for (String key : keys) {
                request.arg(key);
            }
            for (String arg : args) {
                request.arg(arg);
            }
            return request;
        }
    }
}
