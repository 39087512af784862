package dev.sluice.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.RespClient;
import dev.sluice.testing.TcpForwarder;
import dev.sluice.testing.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.core.Promise;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The limit store contract against a real Redis server, plus what only Redis has: keys, round trips, scripts. */
class RedisLimitStoreTest extends LimitStoreContract {

    static TestRedis server;
    static Vertx vertx;
    static Redis client;
    static RedisLimitStore store;

    @BeforeAll
    static void start() {
        server = TestRedis.start();
        vertx = Vertx.vertx();
        client = Redis.createClient(vertx, new RedisOptions().setConnectionString(server.url()).setMaxPoolSize(8)
                .setMaxPoolWaiting(1000));
        store = new RedisLimitStore(client, null, vertx, 2_000);
    }

    @AfterAll
    static void stop() {
        client.close();
        vertx.close();
        server.close();
    }

    @Override
    LimitStore store() {
        return store;
    }

    /**
     * A failover that loses the last writes: the request ends and the old server takes its release, but the server
     * that answers from then on is a copy made while the request ran (a replica promoted before the release reached
     * it). The release is sent again to it, so that the slot is not taken for the rest of its lease.
     */
    @Test
    void aReleaseTheOldServerTookAndLostIsSentAgainWhenAnotherServerAnswers() throws Exception {
        try (TestRedis replacement = TestRedis.start(); TcpForwarder address = TcpForwarder.to(server.port());
                StoreAt at = StoreAt.address(address)) {
            RedisLimitStore failingOver = at.store();
            // given: a request of an account of concurrency 1 and credits runs; the store knows which server answers
            await(failingOver.warmUp());
            AccountLimits limits = account(1, null, null, null, null, 10.0);
            assertThat(await(failingOver.admit(limits, new Reservation("ending", 0, 1_000_000), T0, LEASE))
                    .admitted()).isTrue();
            Lease lease = new Lease(limits, "ending", 0, AccountLimits.tokenWindowStart(T0), 1_000_000, failingOver);
            awaitTrue(() -> failingOver.serverIdentity() != null, "the first check of the server");
            String inflight = RedisLimitStore.Keys.inflight(limits.account());
            String credits = RedisLimitStore.Keys.credits(limits.account());
            try (RespClient copy = replacement.client(); RespClient old = server.client()) {
                copy.command("REPLICAOF", "127.0.0.1", Integer.toString(server.port()));
                awaitTrue(() -> copy.number("ZCARD", inflight) == 1, "the copy holding the slot");
                awaitTrue(failingOver::journaling, "the store seeing a replica");
                copy.command("REPLICAOF", "NO", "ONE");

                // when: the request ends on the old server, then the address leads to the copy
                await(failingOver.release(lease, 0, 400_000));
                assertThat(old.number("ZCARD", inflight)).isZero();
                assertThat(copy.number("ZCARD", inflight)).isEqualTo(1);
                address.switchTo(replacement.port());

                // then: the copy frees the slot too, and refunds the credits once
                awaitTrue(() -> copy.number("ZCARD", inflight) == 0, "the slot freed on the server now answering");
                assertThat(Long.parseLong(String.valueOf(copy.command("GET", credits)))).isEqualTo(9_600_000L);
                assertThat(Long.parseLong(String.valueOf(old.command("GET", credits)))).isEqualTo(9_600_000L);
                assertThat(await(failingOver.admit(limits, new Reservation("next", 0, 0), T0, LEASE)).admitted())
                        .isTrue();
            }
        }
    }

    /**
     * The connection closes while the server check's INFO waits for its answer, as when the server is killed in a
     * failover: the Redis client fails the command with its own {@code CONNECTION_CLOSED}, which is no refusal of
     * INFO. The check goes on, and sees the server that answers from then on.
     */
    @Test
    void theServerCheckGoesOnWhenItsConnectionClosesUnderIt() throws Exception {
        try (TestRedis replacement = TestRedis.start(); TcpForwarder address = TcpForwarder.to(server.port());
                StoreAt at = StoreAt.address(address)) {
            RedisLimitStore checked = at.store();
            await(checked.warmUp());
            awaitTrue(() -> checked.serverIdentity() != null, "the first check of the server");
            String first = checked.serverIdentity();

            // the server answers nothing for 2.5 s (a script runs that long), so the next check's INFO waits;
            // then the address leads to another server, closing the connection the INFO waits on
            CompletableFuture<Object> busy = CompletableFuture.supplyAsync(() -> {
                try (RespClient blocker = server.client()) {
                    return blocker.command("EVAL", "local t0 = redis.call('TIME') while true do "
                            + "local t = redis.call('TIME') if (t[1] - t0[1]) * 1000000 + t[2] - t0[2] > 2500000 "
                            + "then return 1 end end", "0");
                }
            });
            Thread.sleep(1_300);
            address.switchTo(replacement.port());

            awaitTrue(() -> !first.equals(checked.serverIdentity()), "the check seeing the server now answering");
            assertThat(busy.get(10, TimeUnit.SECONDS)).isEqualTo(1L);
        }
    }

    /** A lone server has nothing to fail over to: releases are not kept for a replay (they cost the Redis path CPU). */
    @Test
    void aServerWithoutReplicasKeepsNoReleases() throws Exception {
        RedisLimitStore lone = new RedisLimitStore(client, null, vertx, 2_000);
        try {
            await(lone.warmUp());
            awaitTrue(() -> lone.serverIdentity() != null, "the first check of the server");
            assertThat(lone.journaling()).isFalse();
        } finally {
            lone.close();
        }
    }

    /**
     * A renewal that the caller gave up on and that runs after its request's release, as the Cluster client's own
     * retries send one while the cluster is down: the slot is freed again, the release's settlement stands.
     */
    @Test
    void aRenewalThatRunsAfterItsRequestsReleaseDoesNotKeepTheSlot() throws Exception {
        HoldingRedis holding = new HoldingRedis(client);
        RedisLimitStore late = new RedisLimitStore(holding, null, vertx, 300);
        try (RespClient redis = server.client()) {
            // given: a running request of an account of concurrency 1 and credits
            AccountLimits limits = account(1, null, null, null, null, 10.0);
            assertThat(await(late.admit(limits, new Reservation("renewed", 0, 1_000_000), T0, LEASE)).admitted())
                    .isTrue();
            Lease lease = new Lease(limits, "renewed", 0, AccountLimits.tokenWindowStart(T0), 1_000_000, late);
            String inflight = RedisLimitStore.Keys.inflight(limits.account());
            String credits = RedisLimitStore.Keys.credits(limits.account());

            // when: its renewal is held back by the client past the caller's timeout, the request ends, and then the
            // renewal runs
            holding.holding = true;
            Future<Void> renewal = late.renew(lease, T0 + 3 * LEASE);
            holding.holding = false;
            assertThat(renewal.toCompletionStage().toCompletableFuture()
                    .handle((ok, failure) -> failure).get(5, java.util.concurrent.TimeUnit.SECONDS)).isNotNull();
            await(late.release(lease, 0, 400_000));
            assertThat(redis.number("ZCARD", inflight)).isZero();
            holding.sendHeld();

            // then: the slot is free again once the late renewal ran, which another request's admission shows (the
            // renewal is sent when released from the client, and runs a moment later: until the store frees its slot
            // again, the account's one slot is taken; a refused admission counts nothing), and the credits were
            // refunded once
            int[] attempts = {0};
            awaitTrue(() -> await(late.admit(limits, new Reservation("next-" + attempts[0]++, 0, 0), T0, LEASE))
                    .admitted(), "a request admitted after the late renewal");
            assertThat(Long.parseLong(String.valueOf(redis.command("GET", credits)))).isEqualTo(9_600_000L);
            awaitTrue(() -> redis.number("ZCARD", inflight) == 1, "only the new request's slot taken");
        } finally {
            late.close();
        }
    }

    /** A client whose connections hold back the commands sent while {@code holding}, until {@link #sendHeld}. */
    static final class HoldingRedis implements Redis {
        final Redis delegate;
        final List<Runnable> held = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile boolean holding;

        HoldingRedis(Redis delegate) {
            this.delegate = delegate;
        }

        void sendHeld() {
            for (Runnable command : held) {
                command.run();
                held.remove(command);
            }
        }

        @Override
        public Future<RedisConnection> connect() {
            return delegate.connect().map(Holding::new);
        }

        @Override
        public void close() {
            delegate.close();
        }

        @Override
        public Future<Response> send(Request request) {
            return delegate.send(request);
        }

        @Override
        public Future<List<Response>> batch(List<Request> requests) {
            return delegate.batch(requests);
        }

        private final class Holding implements RedisConnection {
            private final RedisConnection connection;

            Holding(RedisConnection connection) {
                this.connection = connection;
            }

            @Override
            public Future<Response> send(Request request) {
                if (!holding) {
                    return connection.send(request);
                }
                Promise<Response> answered = Promise.promise();
                held.add(() -> connection.send(request).onComplete(answered));
                return answered.future();
            }

            @Override
            public Future<List<Response>> batch(List<Request> requests) {
                return connection.batch(requests);
            }

            @Override
            public Future<Void> close() {
                return connection.close();
            }

            @Override
            public boolean pendingQueueFull() {
                return connection.pendingQueueFull();
            }

            @Override
            public RedisConnection exceptionHandler(io.vertx.core.Handler<Throwable> handler) {
                connection.exceptionHandler(handler);
                return this;
            }

            @Override
            public RedisConnection handler(io.vertx.core.Handler<Response> handler) {
                connection.handler(handler);
                return this;
            }

            @Override
            public RedisConnection pause() {
                connection.pause();
                return this;
            }

            @Override
            public RedisConnection resume() {
                connection.resume();
                return this;
            }

            @Override
            public RedisConnection fetch(long amount) {
                connection.fetch(amount);
                return this;
            }

            @Override
            public RedisConnection endHandler(io.vertx.core.Handler<Void> handler) {
                connection.endHandler(handler);
                return this;
            }
        }
    }

    /** A store whose Redis is reached through {@code address}, closed with its client. */
    private record StoreAt(Redis client, RedisLimitStore store) implements AutoCloseable {
        static StoreAt address(TcpForwarder address) {
            Redis client = Redis.createClient(vertx, new RedisOptions()
                    .setConnectionString("redis://127.0.0.1:" + address.port()));
            return new StoreAt(client, new RedisLimitStore(client, null, vertx, 2_000));
        }

        @Override
        public void close() {
            store.close();
            client.close();
        }
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited 10 s for " + what);
            }
            Thread.sleep(50);
        }
    }

    @Test
    void admissionIsOneScriptCallOnKeysThatShareTheAccountsHashTag() {
        AccountLimits limits = account(5, 100L, 10.0, 10.0, 1000L, 5.0);
        admit(limits, T0, 10, 10); // loads the script
        try (RespClient redis = server.client()) {
            redis.command("CONFIG", "RESETSTAT");
            admit(limits, T0, 10, 10);
            assertThat(redis.calls("evalsha")).isEqualTo(1);
            assertThat(redis.calls("eval")).isZero();
            @SuppressWarnings("unchecked")
            List<Object> keys = (List<Object>) redis.command("KEYS", "sluice:{" + limits.account() + "}:*");
            assertThat(keys).hasSize(5);
            assertThat((List<Object>) redis.command("KEYS", "*" + limits.account() + "*")).hasSize(5);
        }
    }

    @Test
    void reloadsTheScriptAfterRedisForgotIt() {
        AccountLimits limits = account(5, null, null, null, null, null);
        assertThat(admit(limits, T0).admitted()).isTrue();
        try (RespClient redis = server.client()) {
            redis.command("SCRIPT", "FLUSH");
        }
        assertThat(admit(limits, T0).admitted()).isTrue();
        assertThat(usage(limits, T0).inFlight()).isEqualTo(2);
    }

    /**
     * A release that timed out is sent again while Redis may still run the first one later, and with two connections
     * Redis may run the copy first (the fault matrix's "Redis frozen while the backend answers" saw it). Whichever
     * runs first, the request settles once: its refund is not given twice.
     */
    @Test
    void aReleaseAndItsResendSettleOnceWhicheverRedisRunsFirst() throws Exception {
        // given: a request holding a slot and 600,000 micro-credits, whose release was sent again after a timeout
        AccountLimits limits = account(2, null, null, null, null, 1.0);
        Decision admitted = admit(limits, T0, 0, 600_000);
        Lease lease = leaseOf(limits, admitted, T0, 0, 600_000);
        String release;
        try (java.io.InputStream in = RedisLimitStore.class.getResourceAsStream("/limits/release.lua")) {
            release = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        try (RespClient redis = server.client()) {
            // the copy (sent again: settles only if the slot was held) runs first: it used 100,000
            redis.command("EVAL", release, "3", RedisLimitStore.Keys.inflight(limits.account()),
                    RedisLimitStore.Keys.tokens(limits.account(), lease.tokenWindowStart()),
                    RedisLimitStore.Keys.credits(limits.account()), "0", lease.id(), "0", "500000", "1");
        }

        // when: the first release runs after it
        await(store.release(lease, 0, 100_000));

        // then: settled once
        assertThat(usage(limits, T0).creditsMicros()).isEqualTo(900_000);
        assertThat(usage(limits, T0).inFlight()).isZero();
    }

    /**
     * The releases an event loop makes in one pass leave as one script call per account, and each settles as if it had
     * been sent alone: slots freed, tokens and credits settled to what each used.
     */
    @Test
    void releasesOfOnePassAreOneScriptCallPerAccount() throws Exception {
        // given: four requests of one account and two of another, each holding a slot, tokens and credits
        AccountLimits first = account(10, null, null, null, 1000L, 10.0);
        AccountLimits second = account(10, null, null, null, 1000L, 10.0);
        List<Lease> leases = new java.util.ArrayList<>();
        for (AccountLimits limits : List.of(first, first, first, first, second, second)) {
            Decision admitted = admit(limits, T0, 100, 1_000_000);
            assertThat(admitted.admitted()).isTrue();
            leases.add(leaseOf(limits, admitted, T0, 100, 1_000_000));
        }
        try (RespClient redis = server.client()) {
            redis.command("CONFIG", "RESETSTAT");

            // when: all six end in one task of an event loop, each having used 40 tokens and 250,000 micro-credits
            java.util.concurrent.CompletableFuture<List<Future<Void>>> sent = new java.util.concurrent.CompletableFuture<>();
            vertx.getOrCreateContext().runOnContext(ignored -> sent.complete(
                    leases.stream().map(lease -> store.release(lease, 40, 250_000)).toList()));
            for (Future<Void> released : sent.get(5, java.util.concurrent.TimeUnit.SECONDS)) {
                await(released);
            }

            // then: two commands, and every request settled
            assertThat(redis.calls("evalsha")).isEqualTo(2);
        }
        assertThat(usage(first, T0).inFlight()).isZero();
        assertThat(usage(first, T0).tokensUsed()).isEqualTo(4 * 40);
        assertThat(usage(first, T0).creditsMicros()).isEqualTo(10_000_000 - 4 * 250_000);
        assertThat(usage(second, T0).inFlight()).isZero();
        assertThat(usage(second, T0).tokensUsed()).isEqualTo(2 * 40);
        assertThat(usage(second, T0).creditsMicros()).isEqualTo(10_000_000 - 2 * 250_000);
    }

    @Test
    void admissionsOfOnePassAreOneScriptCallPerAccountEachSeeingTheOnesBefore() throws Exception {
        // given: an account with two slots, a quota of five and 1,000 tokens a minute; another with one slot
        AccountLimits first = account(2, 5L, null, null, 1000L, null);
        AccountLimits second = account(1, null, null, null, null, null);
        admit(account(1, null, null, null, null, null), T0); // loads the script
        try (RespClient redis = server.client()) {
            redis.command("CONFIG", "RESETSTAT");

            // when: five admissions in one task of an event loop, three of the first account, two of the second
            java.util.concurrent.CompletableFuture<List<Future<Decision>>> sent = new java.util.concurrent.CompletableFuture<>();
            vertx.getOrCreateContext().runOnContext(ignored -> sent.complete(List.of(
                    store.admit(first, new Reservation("b1", 100, 0), T0, LEASE),
                    store.admit(second, new Reservation("b2", 0, 0), T0, LEASE),
                    store.admit(first, new Reservation("b3", 200, 0), T0 + 1, LEASE),
                    store.admit(second, new Reservation("b4", 0, 0), T0 + 1, LEASE),
                    store.admit(first, new Reservation("b5", 300, 0), T0 + 2, LEASE))));
            List<Decision> decisions = new java.util.ArrayList<>();
            for (Future<Decision> decision : sent.get(5, java.util.concurrent.TimeUnit.SECONDS)) {
                decisions.add(await(decision));
            }

            // then: two commands; in each, every admission decided after the ones before it in the pass
            assertThat(redis.calls("evalsha")).isEqualTo(2);
            assertThat(decisions.get(0).admitted()).isTrue();
            assertThat(decisions.get(0).snapshot()).isEqualTo(new Snapshot(1, 1, 0, 100, 0));
            assertThat(decisions.get(2).admitted()).isTrue();
            assertThat(decisions.get(2).snapshot()).isEqualTo(new Snapshot(2, 2, 0, 300, 0));
            assertThat(decisions.get(4).refusedBy()).isEqualTo(Limit.CONCURRENCY);
            assertThat(decisions.get(4).snapshot().inFlight()).isEqualTo(2);
            assertThat(decisions.get(1).admitted()).isTrue();
            assertThat(decisions.get(3).refusedBy()).isEqualTo(Limit.CONCURRENCY);
        }
        // and the counters hold the two admitted requests of the first account, nothing of the refused one
        Snapshot counted = usage(first, T0 + 2);
        assertThat(counted.inFlight()).isEqualTo(2);
        assertThat(counted.quotaUsed()).isEqualTo(2);
        assertThat(counted.tokensUsed()).isEqualTo(300);
        assertThat(usage(second, T0 + 1).inFlight()).isEqualTo(1);
    }

    @Test
    void anAdmissionOffAnEventLoopIsSentAtOnce() {
        AccountLimits limits = account(10, null, null, null, null, null);
        admit(limits, T0); // loads the script
        try (RespClient redis = server.client()) {
            redis.command("CONFIG", "RESETSTAT");
            assertThat(admit(limits, T0).admitted()).isTrue();
            assertThat(redis.calls("evalsha")).isEqualTo(1);
        }
    }

    @Test
    void aReleaseOffAnEventLoopIsSentAtOnce() {
        AccountLimits limits = account(10, null, null, null, null, null);
        Decision admitted = admit(limits, T0);
        try (RespClient redis = server.client()) {
            redis.command("CONFIG", "RESETSTAT");
            await(store.release(leaseOf(limits, admitted, T0, 0, 0), 0, 0));
            assertThat(redis.calls("evalsha")).isEqualTo(1);
        }
        assertThat(usage(limits, T0).inFlight()).isZero();
    }

    @Test
    void keysExpireWithTheirWindows() {
        AccountLimits limits = account(5, 100L, null, null, 1000L, null);
        long now = System.currentTimeMillis();
        admit(limits, now, 10, 0);
        try (RespClient redis = server.client()) {
            long quotaTtl = redis.number("PTTL", RedisLimitStore.Keys.quota(limits.account(), limits.quotaWindowStart(now)));
            assertThat(quotaTtl).isPositive().isLessThanOrEqualTo(3_600_000);
            long leaseTtl = redis.number("PTTL", RedisLimitStore.Keys.inflight(limits.account()));
            assertThat(leaseTtl).isPositive().isLessThanOrEqualTo(LEASE);
            long tokenTtl = redis.number("PTTL", RedisLimitStore.Keys.tokens(limits.account(), AccountLimits.tokenWindowStart(now)));
            assertThat(tokenTtl).isPositive().isLessThanOrEqualTo(120_000);
        }
    }
}
