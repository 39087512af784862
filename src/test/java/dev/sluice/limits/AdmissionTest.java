package dev.sluice.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.error.ProxyError;
import dev.sluice.routing.Price;
import dev.sluice.testing.Configs;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Admission with a fake shared store that can be told to fail: the failure policies, when the store is marked down
 * and back, lease renewal while a request runs, and what a release settles to.
 */
class AdmissionTest {

    static final Vertx VERTX = Vertx.vertx();

    @AfterAll
    static void close() {
        VERTX.close();
    }

    /** A shared store kept in-process (a {@link LocalLimitStore}) that fails on demand, as an unreachable Redis. */
    static final class FlakyStore implements LimitStore {
        final LocalLimitStore counters = new LocalLimitStore();
        volatile Throwable failWith;
        final AtomicInteger admissions = new AtomicInteger();
        final AtomicInteger renewals = new AtomicInteger();
        final List<long[]> releases = new ArrayList<>();

        @Override
        public Future<Decision> admit(AccountLimits limits, Reservation reservation, long nowMillis, long leaseMillis) {
            admissions.incrementAndGet();
            return failWith != null ? Future.failedFuture(failWith)
                    : counters.admit(limits, reservation, nowMillis, leaseMillis)
                            .map(decision -> new Decision(decision.refusedBy(), decision.snapshot(),
                                    decision.waitMillis(), this));
        }

        @Override
        public Future<Void> release(Lease lease, long actualTokens, long actualCostMicros) {
            synchronized (releases) {
                releases.add(new long[] {actualTokens, actualCostMicros});
            }
            return failWith != null ? Future.failedFuture(failWith) : counters.release(lease, actualTokens, actualCostMicros);
        }

        @Override
        public Future<Void> releaseUncounted(Lease lease, long quotaWindowStart) {
            return failWith != null ? Future.failedFuture(failWith) : counters.releaseUncounted(lease, quotaWindowStart);
        }

        @Override
        public Future<Void> renew(Lease lease, long expiresAtMillis) {
            renewals.incrementAndGet();
            return failWith != null ? Future.failedFuture(failWith) : counters.renew(lease, expiresAtMillis);
        }

        @Override
        public Future<Decision> usage(AccountLimits limits, long nowMillis, double controlPlaneRate) {
            return counters.usage(limits, nowMillis, controlPlaneRate);
        }

        @Override
        public Future<TopUp> topUp(AccountLimits limits, long amountMicros) {
            return failWith != null ? Future.failedFuture(failWith) : counters.topUp(limits, amountMicros);
        }

        @Override
        public Future<Void> forget(AccountLimits limits, long nowMillis) {
            return counters.forget(limits, nowMillis);
        }

        @Override
        public Future<Void> ping() {
            return failWith != null ? Future.failedFuture(failWith) : Future.succeededFuture();
        }

        @Override
        public String name() {
            return "redis";
        }
    }

    static final class Decisions implements Admission.Listener {
        final List<String> seen = new ArrayList<>();

        @Override
        public synchronized void decided(Limit refusedBy, String decision) {
            seen.add((refusedBy == null ? "none" : refusedBy.label()) + ":" + decision);
        }

        @Override
        public void admissionTook(String store, long nanos) {
        }

        @Override
        public void storeFailed(Throwable failure) {
        }
    }

    final FlakyStore shared = new FlakyStore();
    final LocalLimitStore local = new LocalLimitStore();
    final Decisions decisions = new Decisions();

    Admission admission(String policy, String lease) {
        return new Admission(VERTX, shared, local, Configs.of("sluice.limits.redis-failure", policy,
                "sluice.limits.lease", lease, "sluice.limits.redis-probe-interval", "50ms").limits(),
                System::currentTimeMillis, null, 10, decisions);
    }

    static AccountLimits concurrency(int limit) {
        return new AccountLimits("acme", null, limit, null, 3_600_000, null, null, null, null);
    }

    static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    static ProxyError refusal(Future<?> future) {
        try {
            await(future);
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            assertThat(cause).isInstanceOf(ProxyError.class);
            return (ProxyError) cause;
        }
        throw new AssertionError("admitted, a refusal was expected");
    }

    @Test
    void theConcurrencyRefusalSpeaksOfTheLimitInItsNumber() {
        assertThat(Admission.concurrencyMessage(1)).isEqualTo("This account already has 1 request in flight, its limit.");
        assertThat(Admission.concurrencyMessage(4)).isEqualTo("This account already has 4 requests in flight, its limit.");
        assertThat(Admission.concurrencyMessage(0))
                .isEqualTo("This account's concurrency limit is 0: it may have no request in flight.");
    }

    @Test
    void anUnlimitedAccountIsAdmittedWithoutAskingTheStore() throws Exception {
        AccountLimits unlimited = new AccountLimits("free", null, null, null, 3_600_000, null, null, null, null);

        Admission.Ticket ticket = await(admission("local", "10m").admit(unlimited, "l1", 0, 0));

        assertThat(ticket.lease()).isNull();
        assertThat(shared.admissions).hasValue(0);
        assertThat(decisions.seen).containsExactly("none:admitted");
    }

    @Test
    void aSlotIsHeldUntilReleasedAndRefusalsCarryTheirCodeAndHeaders() throws Exception {
        // given
        Admission admission = admission("local", "10m");
        Admission.Ticket first = await(admission.admit(concurrency(1), "l1", 0, 0));

        // when
        ProxyError refused = refusal(admission.admit(concurrency(1), "l2", 0, 0));
        await(admission.release(first, true, Price.FREE, false));
        Admission.Ticket afterRelease = await(admission.admit(concurrency(1), "l3", 0, 0));

        // then
        assertThat(refused.code()).isEqualTo("concurrency_limit_exceeded");
        assertThat(refused.fields()).containsEntry("concurrency_limit", 1);
        assertThat(refused.headers()).containsEntry("Retry-After", "1").containsEntry("x-should-retry", "true");
        assertThat(afterRelease.lease()).isNotNull();
        assertThat(decisions.seen).containsExactly("none:admitted", "concurrency:refused", "none:admitted");
    }

    @Test
    void aRunningRequestRenewsItsSlotUntilReleased() throws Exception {
        // given: a 3 s lease, renewed every second
        Admission admission = admission("local", "3s");
        Admission.Ticket ticket = await(admission.admit(concurrency(5), "l1", 0, 0));

        // when
        Thread.sleep(2_300);
        int whileRunning = shared.renewals.get();
        await(admission.release(ticket, true, Price.FREE, false));
        Thread.sleep(1_200);

        // then
        assertThat(whileRunning).isEqualTo(2);
        assertThat(shared.renewals.get()).isEqualTo(whileRunning);
    }

    @Test
    void aReleaseSettlesToTheAnswersUsageAtTheServedModelsPrice() throws Exception {
        // given: tokens and credits, 1 credit per 1k tokens either way
        AccountLimits settled = new AccountLimits("acme", null, null, null, 3_600_000, null, null, 10_000L, 5.0);
        Admission admission = admission("local", "10m");
        Admission.Ticket answered = await(admission.admit(settled, "l1", 500, 500_000));
        Admission.Ticket withoutUsage = await(admission.admit(settled, "l2", 400, 400_000));
        Admission.Ticket notAnswered = await(admission.admit(settled, "l3", 300, 300_000));
        answered.usage().accept(Buffer.buffer("{\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":8}}"));

        // when
        await(admission.release(answered, true, new Price(1.0, 1.0), false));
        await(admission.release(withoutUsage, true, new Price(1.0, 1.0), false));
        await(admission.release(notAnswered, false, new Price(1.0, 1.0), false));
        await(admission.release(answered, true, new Price(1.0, 1.0), false)); // a second release does nothing

        // then: real usage, the estimate, nothing
        assertThat(shared.releases).extracting(r -> r[0] + "/" + r[1])
                .containsExactly("20/20000", "400/400000", "0/0");
    }

    @Test
    void underLocalAFailedStoreFallsBackToLocalLimitsAndComesBackWhenItAnswers() throws Exception {
        // given
        Admission admission = admission("local", "10m");
        shared.failWith = new IllegalStateException("Connection refused");

        // when
        Admission.Ticket degraded = await(admission.admit(concurrency(1), "l1", 0, 0));
        ProxyError refusedLocally = refusal(admission.admit(concurrency(1), "l2", 0, 0));
        int triedWhileDown = shared.admissions.get();

        // then: one try marked it down, the next admission went straight to the local store
        assertThat(degraded.lease().store()).isSameAs(local);
        assertThat(refusedLocally.code()).isEqualTo("concurrency_limit_exceeded");
        assertThat(triedWhileDown).isEqualTo(1);
        assertThat(admission.mode()).isEqualTo(Admission.Mode.DEGRADED);

        // when the store answers again, the probe brings admission back to it
        shared.failWith = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (admission.mode() != Admission.Mode.REDIS && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(admission.mode()).isEqualTo(Admission.Mode.REDIS);
        await(admission.release(degraded, true, null, false));
        assertThat(await(admission.admit(concurrency(1), "l3", 0, 0)).lease().store()).isSameAs(shared);
    }

    @Test
    void aSlotTakenLocallyDuringAnOutageCountsInTheStoreOnceItAnswersUntilTheRequestEnds() throws Exception {
        // given a request admitted by the local store while the shared store did not answer
        Admission admission = admission("local", "10m");
        AccountLimits limits = concurrency(1);
        shared.failWith = new IllegalStateException("Connection refused");
        Admission.Ticket duringOutage = await(admission.admit(limits, "l1", 0, 0));
        assertThat(duringOutage.lease().store()).isSameAs(local);

        // when the shared store answers again
        shared.failWith = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (inFlightOnShared(limits) == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }

        // then it counts the running request: it does not admit a second one beside it
        assertThat(admission.mode()).isEqualTo(Admission.Mode.REDIS);
        assertThat(inFlightOnShared(limits)).isEqualTo(1);
        assertThat(refusal(admission.admit(limits, "l2", 0, 0)).code()).isEqualTo("concurrency_limit_exceeded");

        // and the request's end frees the slot in both stores
        await(admission.release(duringOutage, true, null, false));
        assertThat(inFlightOnShared(limits)).isZero();
        assertThat(await(admission.admit(limits, "l3", 0, 0)).lease().store()).isSameAs(shared);
    }

    @Test
    void fallingBackTheInstancesRequestsRunningThroughTheStoreCountAgainstTheLocalLimit() throws Exception {
        // given two requests of an account of concurrency 2 running through the shared store
        Admission admission = admission("local", "10m");
        AccountLimits limits = concurrency(2);
        Admission.Ticket first = await(admission.admit(limits, "r1", 0, 0));
        Admission.Ticket second = await(admission.admit(limits, "r2", 0, 0));
        assertThat(first.lease().store()).isSameAs(shared);

        // when the store stops answering
        shared.failWith = new IllegalStateException("Connection refused");

        // then the local store the instance falls back to counts them: a third request is refused
        ProxyError refused = refusal(admission.admit(limits, "l1", 0, 0));
        assertThat(refused.code()).isEqualTo("concurrency_limit_exceeded");
        assertThat(admission.mode()).isEqualTo(Admission.Mode.DEGRADED);

        // and when one of them ends, its slot is free in the local store too
        await(admission.release(first, true, null, false));
        Admission.Ticket local = await(admission.admit(limits, "l2", 0, 0));
        assertThat(local.lease().store()).isSameAs(this.local);
        assertThat(refusal(admission.admit(limits, "l3", 0, 0)).code()).isEqualTo("concurrency_limit_exceeded");
        await(admission.release(second, true, null, false));
        await(admission.release(local, true, null, false));
        assertThat(await(local(limits)).snapshot().inFlight()).isZero();
    }

    @Test
    void fallingBackTheQuotaAndTokensGoOnFromTheCountsTheStoreReportedLast() throws Exception {
        // given an account of 3 requests an hour and 1,000 tokens a minute that used 2 and 600 through the store
        AccountLimits limits = new AccountLimits("metered", null, null, 3L, 3_600_000, null, null, 1000L, null);
        Admission admission = admission("local", "10m");
        await(admission.release(await(admission.admit(limits, "q1", 300, 0)), true, null, false));
        await(admission.release(await(admission.admit(limits, "q2", 300, 0)), true, null, false));

        // when the store stops answering
        shared.failWith = new IllegalStateException("Connection refused");

        // then the local store does not start from zero: 500 more tokens pass the minute's limit, and the third
        // request is the quota's last
        ProxyError tokens = refusal(admission.admit(limits, "l1", 500, 0));
        assertThat(tokens.code()).isEqualTo("rate_limit_exceeded");
        assertThat(tokens.fields().get("limit")).isEqualTo("tokens");
        Admission.Ticket third = await(admission.admit(limits, "l2", 100, 0));
        assertThat(third.lease().store()).isSameAs(local);
        ProxyError quota = refusal(admission.admit(limits, "l3", 0, 0));
        assertThat(quota.code()).isEqualTo("request_quota_exceeded");
    }

    @Test
    void fallingBackTheRateGoesOnFromWhatTheStoreReportedLeft() throws Exception {
        // given an account of 1 request a second with a burst of 3 that spent its burst through the store
        AccountLimits limits = new AccountLimits("rated", null, null, null, 3_600_000, 1.0, 3.0, null, null);
        Admission admission = admission("local", "10m");
        for (int i = 0; i < 3; i++) {
            assertThat(await(admission.admit(limits, "r" + i, 0, 0)).lease().store()).isSameAs(shared);
        }

        // when the store stops answering
        shared.failWith = new IllegalStateException("Connection refused");

        // then the local store does not hand out a fresh burst: the fourth request is refused by the rate
        ProxyError refused = refusal(admission.admit(limits, "l1", 0, 0));
        assertThat(refused.code()).isEqualTo("rate_limit_exceeded");
        assertThat(refused.fields().get("limit")).isEqualTo("requests");
    }

    private Future<Decision> local(AccountLimits limits) {
        return local.usage(limits, System.currentTimeMillis(), 1000);
    }

    @Test
    void whileTheStoreIsDownCreditsAreCheckedAgainstTheBalanceItReportedLast() throws Exception {
        // given: an account of 1 credit in the file, topped up to 5.7 in the shared store, seen there at 5.6
        AccountLimits paying = new AccountLimits("paying", null, null, null, 3_600_000, null, null, null, 1.0);
        Admission admission = admission("local", "10m");
        await(admission.admit(paying, "p1", 0, 300_000));
        await(shared.counters.topUp(paying, 5_000_000));
        await(admission.admit(paying, "p2", 0, 100_000));

        // when the store stops answering
        shared.failWith = new IllegalStateException("Connection refused");

        // then: a request costing 2 credits is admitted (the file's 1 credit would have refused it, 402), and the
        // balance the instance goes on from is the store's, less what it admits
        Admission.Ticket big = await(admission.admit(paying, "p3", 0, 2_000_000));
        assertThat(big.lease().store()).isSameAs(local);
        ProxyError refused = refusal(admission.admit(paying, "p4", 0, 4_000_000));
        assertThat(refused.code()).isEqualTo("insufficient_credits");
        assertThat(refused.fields().get("available_credits")).hasToString("3.6");
    }

    private long inFlightOnShared(AccountLimits limits) throws Exception {
        return await(shared.counters.usage(limits, System.currentTimeMillis(), 1000)).snapshot().inFlight();
    }

    @Test
    void underOpenAFailedStoreAdmitsUnchecked() throws Exception {
        Admission admission = admission("open", "10m");
        shared.failWith = new IllegalStateException("Connection refused");

        Admission.Ticket ticket = await(admission.admit(concurrency(1), "l1", 0, 0));

        assertThat(ticket.lease()).isNull();
        assertThat(decisions.seen).containsExactly("none:unchecked");
    }

    @Test
    void underClosedAFailedStoreRefusesWith503() throws Exception {
        Admission admission = admission("closed", "10m");
        shared.failWith = new IllegalStateException("Connection refused");

        ProxyError refused = refusal(admission.admit(concurrency(1), "l1", 0, 0));

        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.code()).isEqualTo("limit_store_unavailable");
        assertThat(refused.headers()).containsEntry("Retry-After", "1");
        assertThat(admission.mode()).isEqualTo(Admission.Mode.UNAVAILABLE);
    }

    @Test
    void oneLateAnswerIsForgivenTwoInARowMarkTheStoreDown() throws Exception {
        Admission admission = admission("local", "10m");
        shared.failWith = new TimeoutException("late");

        await(admission.admit(concurrency(10), "l1", 0, 0));
        Admission.Mode afterOne = admission.mode();
        await(admission.admit(concurrency(10), "l2", 0, 0));

        assertThat(afterOne).isEqualTo(Admission.Mode.REDIS);
        assertThat(admission.mode()).isEqualTo(Admission.Mode.DEGRADED);
    }
}
