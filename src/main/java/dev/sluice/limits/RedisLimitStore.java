package dev.sluice.limits;

import io.vertx.core.Future;
import io.vertx.core.Promise;
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
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * Limits kept in Redis, shared by every proxy instance. Each admission is one round trip: one Lua script (EVALSHA,
 * loaded by EVAL the first time and again whenever Redis answers NOSCRIPT) that checks every limit and moves every
 * counter atomically. Release and settlement are one more round trip, after the answer went to the client.
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
 */
public final class RedisLimitStore implements LimitStore {

    private final Redis redis;
    private final Vertx vertx;
    private final long timeoutMillis;
    private final Script admit = Script.load("admit.lua");
    private final Script release = Script.load("release.lua");
    private final Script renew = Script.load("renew.lua");
    private final Script usage = Script.load("usage.lua");
    private final Script topUp = Script.load("topup.lua");

    public RedisLimitStore(Redis redis, Vertx vertx, long timeoutMillis) {
        this.redis = redis;
        this.vertx = vertx;
        this.timeoutMillis = timeoutMillis;
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
        String account = limits.account();
        long quotaStart = limits.requestsPerWindow() != null ? limits.quotaWindowStart(now) : 0;
        long tokenStart = AccountLimits.tokenWindowStart(now);
        String[] keys = {Keys.inflight(account), Keys.quota(account, quotaStart), Keys.rate(account),
                Keys.tokens(account, tokenStart), Keys.credits(account)};
        String[] args = {
                Long.toString(now),
                reservation.leaseId(),
                Long.toString(now + leaseMillis),
                limits.concurrency() != null ? limits.concurrency().toString() : "-1",
                limits.requestsPerWindow() != null ? limits.requestsPerWindow().toString() : "-1",
                Long.toString(quotaStart + limits.quotaWindowMillis()),
                limits.rate() != null ? Double.toString(limits.rateIntervalMillis()) : "-1",
                limits.rate() != null ? Double.toString(limits.rateToleranceMillis()) : "0",
                limits.tokensPerMinute() != null ? limits.tokensPerMinute().toString() : "-1",
                Long.toString(reservation.tokens()),
                Long.toString(tokenStart + AccountLimits.TOKEN_WINDOW_MILLIS),
                limits.credits() != null ? Long.toString(Credits.toMicros(limits.credits())) : "-1",
                Long.toString(reservation.costMicros())};
        return eval(admit, keys, args).map(response -> {
            int code = response.get(0).toInteger();
            Snapshot snapshot = new Snapshot(response.get(1).toLong(), response.get(2).toLong(), response.get(3).toLong(),
                    response.get(5).toLong(), response.get(6).toLong());
            Limit refusedBy = code == 0 ? null : Limit.values()[code - 1];
            return new Decision(refusedBy, snapshot, response.get(4).toLong(), this);
        });
    }

    @Override
    public Future<Void> release(Lease lease, long actualTokens, long actualCostMicros) {
        String account = lease.limits().account();
        String[] keys = {Keys.inflight(account), Keys.tokens(account, lease.tokenWindowStart()), Keys.credits(account)};
        long tokenDelta = lease.limits().tokensPerMinute() != null ? actualTokens - lease.reservedTokens() : 0;
        long refund = lease.limits().credits() != null ? lease.reservedCostMicros() - actualCostMicros : 0;
        String[] args = {lease.id(), Long.toString(tokenDelta), Long.toString(refund)};
        return eval(release, keys, args).mapEmpty();
    }

    @Override
    public Future<Void> renew(Lease lease, long expiresAtMillis) {
        return eval(renew, new String[] {Keys.inflight(lease.limits().account())},
                new String[] {lease.id(), Long.toString(expiresAtMillis)}).mapEmpty();
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
        return eval(usage, keys, args).map(response -> {
            int code = response.get(0).toInteger();
            Snapshot snapshot = new Snapshot(response.get(1).toLong(), response.get(2).toLong(), 0,
                    response.get(3).toLong(), response.get(4).toLong());
            return new Decision(code == 0 ? null : Limit.RATE, snapshot, response.get(5).toLong(), this);
        });
    }

    @Override
    public Future<TopUp> topUp(AccountLimits limits, long amountMicros) {
        String initial = limits.credits() != null ? Long.toString(Credits.toMicros(limits.credits())) : "0";
        return eval(topUp, new String[] {Keys.credits(limits.account())},
                new String[] {initial, Long.toString(amountMicros)})
                .map(response -> new TopUp(response.get(0).toInteger() == 1, response.get(1).toLong()));
    }

    @Override
    public Future<Void> dropCredits(String account) {
        return bounded(redis.send(Request.cmd(Command.DEL).arg(Keys.credits(account)))).mapEmpty();
    }

    /**
     * Opens the connection and loads every script, so that the first admissions do not pay for a cold connection
     * inside their timeout. Start-up only; bounded by {@code maxMillis} rather than the admission timeout.
     */
    public Future<Void> warmUp() {
        // a few connections at once, so that the pool is not opened by the first burst of admissions
        List<Future<Response>> pings = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            pings.add(redis.send(Request.cmd(Command.PING)));
        }
        Future<?> loads = Future.all(pings);
        for (Script script : new Script[] {admit, release, renew, usage, topUp}) {
            loads = loads.compose(ok -> redis.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(script.body())));
        }
        return loads.mapEmpty();
    }

    /** PING, bounded by the timeout: readiness and the way back from an outage. */
    @Override
    public Future<Void> ping() {
        return bounded(redis.send(Request.cmd(Command.PING))).mapEmpty();
    }

    @Override
    public String name() {
        return "redis";
    }

    /** EVALSHA, falling back to EVAL (which caches the script) when Redis does not know it. */
    private Future<Response> eval(Script script, String[] keys, String[] args) {
        Future<Response> call = redis.send(script.request(Command.EVALSHA, keys, args)).recover(failure -> {
            String message = failure.getMessage();
            if (message != null && message.startsWith("NOSCRIPT")) {
                return redis.send(script.request(Command.EVAL, keys, args));
            }
            return Future.failedFuture(failure);
        });
        return bounded(call);
    }

    private <T> Future<T> bounded(Future<T> call) {
        Promise<T> promise = Promise.promise();
        long timer = vertx.setTimer(timeoutMillis, id -> promise.tryFail(
                new TimeoutException("Redis did not answer within " + timeoutMillis + " ms")));
        call.onComplete(result -> {
            vertx.cancelTimer(timer);
            if (result.succeeded()) {
                promise.tryComplete(result.result());
            } else {
                promise.tryFail(result.cause());
            }
        });
        return promise.future();
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
