package dev.sluice.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every limit store must have, run against each of them. Time is passed in, so windows, rates and
 * leases are tested without sleeping.
 */
abstract class LimitStoreContract {

    /**
     * The middle of the next hour: windows do not roll over by accident, and Redis (which expires keys on its own
     * clock) sees every expiry in the future.
     */
    static final long T0 = System.currentTimeMillis() - System.currentTimeMillis() % 3_600_000L + 5_400_000L;
    static final long LEASE = 10_000;

    private static final AtomicInteger ACCOUNTS = new AtomicInteger();
    private final AtomicInteger leases = new AtomicInteger();

    abstract LimitStore store();

    static <T> T await(Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** A fresh account for each test, so that stores need no cleaning between tests. */
    static AccountLimits account(Integer concurrency, Long quota, Double rate, Double burst, Long tokens, Double credits) {
        return new AccountLimits("acct" + ACCOUNTS.incrementAndGet() + "-" + System.nanoTime(), "pro", concurrency, quota,
                3_600_000, rate, burst, tokens, credits);
    }

    Decision admit(AccountLimits limits, long now) {
        return admit(limits, now, 0, 0);
    }

    Decision admit(AccountLimits limits, long now, long tokens, long costMicros) {
        return await(store().admit(limits, new Reservation("lease-" + leases.incrementAndGet(), tokens, costMicros), now,
                LEASE));
    }

    Lease leaseOf(AccountLimits limits, Decision decision, long now, long tokens, long cost) {
        return new Lease(limits, "lease-" + leases.get(), tokens, AccountLimits.tokenWindowStart(now), cost, store());
    }

    Snapshot usage(AccountLimits limits, long now) {
        return await(store().usage(limits, now, 1000)).snapshot();
    }

    @Test
    void refusesOverTheConcurrencyLimitAndAdmitsAgainAfterARelease() {
        AccountLimits limits = account(2, null, null, null, null, null);
        Decision first = admit(limits, T0);
        Lease firstLease = leaseOf(limits, first, T0, 0, 0);
        assertThat(first.admitted()).isTrue();
        assertThat(first.snapshot().inFlight()).isEqualTo(1);
        assertThat(admit(limits, T0).admitted()).isTrue();

        Decision third = admit(limits, T0);
        assertThat(third.refusedBy()).isEqualTo(Limit.CONCURRENCY);
        assertThat(third.snapshot().inFlight()).isEqualTo(2);

        await(store().release(firstLease, 0, 0));
        assertThat(admit(limits, T0).admitted()).isTrue();
        assertThat(usage(limits, T0).inFlight()).isEqualTo(2);
    }

    @Test
    void aRequestNoBackendTookIsTakenBackOutOfItsQuotaWindowOnce() {
        // given an account of 2 requests a window, 500 tokens a minute and 1 credit, with one request running
        AccountLimits limits = account(2, 2L, null, null, 500L, 1.0);
        admit(limits, T0, 300, 400_000);
        Lease failed = leaseOf(limits, null, T0, 300, 400_000);

        // when it ends without any backend having taken it
        await(store().releaseUncounted(failed, limits.quotaWindowStart(T0)));
        await(store().releaseUncounted(failed, limits.quotaWindowStart(T0))); // sent again: settles once

        // then it holds nothing: no slot, no quota, no tokens, no credits
        Snapshot after = usage(limits, T0);
        assertThat(after.inFlight()).isZero();
        assertThat(after.quotaUsed()).isZero();
        assertThat(after.tokensUsed()).isZero();
        assertThat(after.creditsMicros()).isEqualTo(1_000_000);
        assertThat(admit(limits, T0).admitted()).isTrue();
        assertThat(admit(limits, T0).admitted()).isTrue();
        assertThat(admit(limits, T0).refusedBy()).isEqualTo(Limit.CONCURRENCY);
    }

    @Test
    void aSlotOfAnInstanceThatDiedFreesItselfWhenItsLeaseEnds() {
        AccountLimits limits = account(1, null, null, null, null, null);
        assertThat(admit(limits, T0).admitted()).isTrue();
        assertThat(admit(limits, T0 + LEASE - 1).refusedBy()).isEqualTo(Limit.CONCURRENCY);
        assertThat(admit(limits, T0 + LEASE).admitted()).isTrue();
    }

    @Test
    void aRenewedLeaseKeepsItsSlot() {
        AccountLimits limits = account(1, null, null, null, null, null);
        Decision decision = admit(limits, T0);
        Lease lease = leaseOf(limits, decision, T0, 0, 0);
        await(store().renew(lease, T0 + 2 * LEASE));
        assertThat(admit(limits, T0 + LEASE + 1).refusedBy()).isEqualTo(Limit.CONCURRENCY);
        assertThat(admit(limits, T0 + 2 * LEASE).admitted()).isTrue();
    }

    @Test
    void aRenewalTakesTheSlotOfALeaseTheStoreNeverGranted() {
        // a slot the instance's own store gave while Redis did not answer, handed over when Redis answers again
        AccountLimits limits = account(1, null, null, null, null, null);
        Lease elsewhere = new Lease(limits, "lease-elsewhere-" + leases.incrementAndGet(), 0,
                AccountLimits.tokenWindowStart(T0), 0, store());

        await(store().renew(elsewhere, T0 + LEASE));

        assertThat(usage(limits, T0).inFlight()).isEqualTo(1);
        assertThat(admit(limits, T0).refusedBy()).isEqualTo(Limit.CONCURRENCY);
        await(store().release(elsewhere, 0, 0));
        assertThat(admit(limits, T0).admitted()).isTrue();
    }

    @Test
    void aRenewalTakesBackASlotTheStoreLostWhileItsRequestRan() {
        // the lease ran out (a failover lost it, a pause outlasted it) and another request took the slot and ended
        AccountLimits limits = account(1, null, null, null, null, null);
        Decision first = admit(limits, T0);
        Lease running = leaseOf(limits, first, T0, 0, 0);
        Decision second = admit(limits, T0 + LEASE);
        assertThat(second.admitted()).isTrue();
        await(store().release(leaseOf(limits, second, T0 + LEASE, 0, 0), 0, 0));

        await(store().renew(running, T0 + LEASE + LEASE));

        assertThat(admit(limits, T0 + LEASE + 1).refusedBy()).isEqualTo(Limit.CONCURRENCY);
        await(store().release(running, 0, 0));
        assertThat(admit(limits, T0 + LEASE + 1).admitted()).isTrue();
    }

    @Test
    void countsRequestsInEpochAlignedWindows() {
        AccountLimits limits = account(null, 3L, null, null, null, null);
        long windowEnd = limits.quotaWindowStart(T0) + limits.quotaWindowMillis();
        for (int i = 1; i <= 3; i++) {
            Decision decision = admit(limits, T0);
            assertThat(decision.admitted()).isTrue();
            assertThat(decision.snapshot().quotaUsed()).isEqualTo(i);
        }
        Decision refused = admit(limits, windowEnd - 1);
        assertThat(refused.refusedBy()).isEqualTo(Limit.QUOTA);
        assertThat(refused.snapshot().quotaUsed()).isEqualTo(3);
        // the next window starts at a whole multiple of the window
        Decision next = admit(limits, windowEnd);
        assertThat(next.admitted()).isTrue();
        assertThat(next.snapshot().quotaUsed()).isEqualTo(1);
    }

    @Test
    void limitsTheRateWithABurst() {
        AccountLimits limits = account(null, null, 10.0, 5.0, null, null);
        for (int i = 0; i < 5; i++) {
            Decision decision = admit(limits, T0);
            assertThat(decision.admitted()).isTrue();
            assertThat(decision.snapshot().rateRemaining()).isEqualTo(4 - i);
        }
        Decision refused = admit(limits, T0);
        assertThat(refused.refusedBy()).isEqualTo(Limit.RATE);
        assertThat(refused.waitMillis()).isEqualTo(100);
        assertThat(admit(limits, T0 + 99).refusedBy()).isEqualTo(Limit.RATE);
        assertThat(admit(limits, T0 + 100).admitted()).isTrue();
        // a quiet second refills the burst
        for (int i = 0; i < 5; i++) {
            assertThat(admit(limits, T0 + 1_000).admitted()).isTrue();
        }
    }

    @Test
    void reservesTokensAndSettlesToTheRealUsage() {
        AccountLimits limits = account(null, null, null, null, 1000L, null);
        Decision first = admit(limits, T0, 600, 0);
        Lease firstLease = leaseOf(limits, first, T0, 600, 0);
        assertThat(first.snapshot().tokensUsed()).isEqualTo(600);
        assertThat(admit(limits, T0, 600, 0).refusedBy()).isEqualTo(Limit.TOKENS);

        await(store().release(firstLease, 150, 0));
        assertThat(usage(limits, T0).tokensUsed()).isEqualTo(150);
        assertThat(admit(limits, T0, 600, 0).admitted()).isTrue();
        // a new minute starts empty
        assertThat(admit(limits, AccountLimits.tokenWindowStart(T0) + 60_000, 1000, 0).admitted()).isTrue();
    }

    @Test
    void reservesCreditsAndRefundsWhatWasNotUsed() {
        AccountLimits limits = account(null, null, null, null, null, 1.0);
        Decision first = admit(limits, T0, 0, 600_000);
        Lease firstLease = leaseOf(limits, first, T0, 0, 600_000);
        assertThat(first.snapshot().creditsMicros()).isEqualTo(400_000);

        Decision refused = admit(limits, T0, 0, 600_000);
        assertThat(refused.refusedBy()).isEqualTo(Limit.CREDITS);
        assertThat(refused.snapshot().creditsMicros()).isEqualTo(400_000);

        await(store().release(firstLease, 0, 100_000));
        assertThat(usage(limits, T0).creditsMicros()).isEqualTo(900_000);
    }

    @Test
    void anAccountInDebtIsStillAdmittedForWhatCostsNothing() {
        // given an account whose settlement took its balance below zero (only settlement may)
        AccountLimits limits = account(null, null, null, null, null, 1.0);
        Decision first = admit(limits, T0, 0, 100_000);
        await(store().release(leaseOf(limits, first, T0, 0, 100_000), 0, 1_500_000));
        assertThat(usage(limits, T0).creditsMicros()).isEqualTo(-500_000);

        // a free model (no price: no cost to reserve) is admitted, a priced one is not
        assertThat(admit(limits, T0, 0, 0).admitted()).isTrue();
        assertThat(admit(limits, T0, 0, 1).refusedBy()).isEqualTo(Limit.CREDITS);
        assertThat(usage(limits, T0).creditsMicros()).isEqualTo(-500_000);
    }

    @Test
    void aForgottenAccountStartsAfreshButKeepsTheSlotsOfItsRequestsInFlight() {
        AccountLimits limits = account(5, 2L, 1.0, 2.0, 1000L, 1.0);
        Decision running = admit(limits, T0, 400, 300_000);
        assertThat(running.admitted()).isTrue();
        assertThat(admit(limits, T0, 400, 300_000).admitted()).isTrue();
        assertThat(admit(limits, T0).refusedBy()).isNotNull();

        await(store().forget(limits, T0));

        Snapshot after = usage(limits, T0);
        assertThat(after.inFlight()).isEqualTo(2);
        assertThat(after.quotaUsed()).isZero();
        assertThat(after.tokensUsed()).isZero();
        // no balance of its own any more: the account's configured one again
        assertThat(after.creditsMicros()).isEqualTo(1_000_000);
        // the quota, the burst, the token minute and the credits allow two requests again, not a third
        assertThat(admit(limits, T0, 400, 300_000).admitted()).isTrue();
        assertThat(admit(limits, T0, 400, 300_000).admitted()).isTrue();
        assertThat(admit(limits, T0).refusedBy()).isNotNull();
        assertThat(usage(limits, T0).inFlight()).isEqualTo(4);
    }

    @Test
    void aRefusedRequestConsumesNothing() {
        AccountLimits limits = account(5, 100L, 1000.0, 1000.0, 1000L, 1.0);
        Decision admitted = admit(limits, T0, 400, 300_000);
        assertThat(admitted.admitted()).isTrue();

        // refused by tokens: neither slot, quota, rate nor credits moved
        assertThat(admit(limits, T0, 700, 300_000).refusedBy()).isEqualTo(Limit.TOKENS);
        // refused by credits: neither slot, quota, rate nor tokens moved
        assertThat(admit(limits, T0, 100, 800_000).refusedBy()).isEqualTo(Limit.CREDITS);

        Snapshot after = usage(limits, T0);
        assertThat(after.inFlight()).isEqualTo(1);
        assertThat(after.quotaUsed()).isEqualTo(1);
        assertThat(after.tokensUsed()).isEqualTo(400);
        assertThat(after.creditsMicros()).isEqualTo(700_000);
    }

    @Test
    void aRefusalTellsEveryLimitAsItStandsNotOnlyThoseCheckedBeforeTheOneThatRefused() {
        // concurrency is checked first: the quota, rate, tokens and credits after it must still read as they are
        AccountLimits limits = account(1, 100L, 10.0, 20.0, 1000L, 1.0);
        Decision admitted = admit(limits, T0, 400, 300_000);
        assertThat(admitted.admitted()).isTrue();

        Decision refused = admit(limits, T0, 100, 100_000);

        assertThat(refused.refusedBy()).isEqualTo(Limit.CONCURRENCY);
        Snapshot snapshot = refused.snapshot();
        assertThat(snapshot.inFlight()).isEqualTo(1);
        assertThat(snapshot.quotaUsed()).isEqualTo(1);
        assertThat(snapshot.rateRemaining()).as("the burst of 20 less the one admitted").isEqualTo(19);
        assertThat(snapshot.tokensUsed()).isEqualTo(400);
        assertThat(snapshot.creditsMicros()).isEqualTo(700_000);
    }

    @Test
    void limitsTheControlPlaneRate() {
        AccountLimits limits = account(1, null, null, null, null, null);
        assertThat(await(store().usage(limits, T0, 2)).admitted()).isTrue();
        assertThat(await(store().usage(limits, T0, 2)).admitted()).isTrue();
        Decision third = await(store().usage(limits, T0, 2));
        assertThat(third.refusedBy()).isEqualTo(Limit.RATE);
        assertThat(third.waitMillis()).isEqualTo(500);
    }

    @Test
    void neverAdmitsMoreThanTheLimitUnderConcurrentAdmissions() throws Exception {
        AccountLimits limits = account(10, null, null, null, null, null);
        List<Future<Decision>> decisions = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 50; i++) {
                    Future<Decision> decision = store().admit(limits,
                            new Reservation("c-" + Thread.currentThread().getId() + "-" + i, 0, 0), T0, LEASE);
                    synchronized (decisions) {
                        decisions.add(decision);
                    }
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        long admitted = decisions.stream().map(LimitStoreContract::await).filter(Decision::admitted).count();
        assertThat(decisions).hasSize(200);
        assertThat(admitted).isEqualTo(10);
        assertThat(usage(limits, T0).inFlight()).isEqualTo(10);
    }
}
