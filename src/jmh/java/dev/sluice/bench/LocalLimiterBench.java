package dev.sluice.bench;

import dev.sluice.limits.AccountLimits;
import dev.sluice.limits.Decision;
import dev.sluice.limits.Lease;
import dev.sluice.limits.LocalLimitStore;
import dev.sluice.limits.Reservation;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * The in-process limit store ({@code LocalLimitStore.admit}, then {@code release} as every admitted request does):
 * one account with a concurrency limit, a request quota and a rate, all generous so that every request is admitted.
 * {@code held} is how many other requests of the account are in flight (their leases are kept for the whole run);
 * the contended variant runs two threads on the same account.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LocalLimiterBench {

    private static final long LEASE_MILLIS = 600_000;

    @Param({"0", "1000"})
    public int held;

    private LocalLimitStore store;
    private AccountLimits limits;

    /** Lease ids of one benchmark thread. */
    @State(Scope.Thread)
    public static class Ids {
        private static final java.util.concurrent.atomic.AtomicInteger THREADS = new java.util.concurrent.atomic.AtomicInteger();
        final String prefix = "req_" + THREADS.incrementAndGet() + "/";
        long next;
    }

    @Setup(Level.Trial)
    public void setUp() {
        store = new LocalLimitStore();
        limits = new AccountLimits("bench", "pro", 1_000_000, 1_000_000_000_000L, 3_600_000, 1e9, 1e9, null, null);
        long now = System.currentTimeMillis();
        for (int i = 0; i < held; i++) {
            admitted(store.admit(limits, new Reservation("held/" + i, 0, 0), now, LEASE_MILLIS));
        }
    }

    @Benchmark
    public Decision admitAndRelease(Ids ids) {
        return cycle(ids);
    }

    @Benchmark
    @Threads(2)
    public Decision admitAndReleaseTwoThreads(Ids ids) {
        return cycle(ids);
    }

    private Decision cycle(Ids ids) {
        String id = ids.prefix + ids.next++;
        Decision decision = admitted(store.admit(limits, new Reservation(id, 0, 0), System.currentTimeMillis(), LEASE_MILLIS));
        store.release(new Lease(limits, id, 0, 0, 0, store), 0, 0);
        return decision;
    }

    private static Decision admitted(io.vertx.core.Future<Decision> future) {
        Decision decision = future.result();
        if (!decision.admitted()) {
            throw new IllegalStateException("refused by " + decision.refusedBy());
        }
        return decision;
    }
}
