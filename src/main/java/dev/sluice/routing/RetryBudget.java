package dev.sluice.routing;

import java.util.function.LongSupplier;

/**
 * Bounds retries per proxy instance: over the last 10 seconds, retries may be at most {@code ratio} of the requests,
 * and always at least 10 a second (100 over the window) so that a quiet proxy still retries (contract §6.3): the
 * larger of the two, not their sum, so that a busy proxy keeps to its ratio. An outage then cannot multiply the load
 * on the backends that are left.
 *
 * <p>Thread-safe. Ten one-second buckets; the lock is held for a few arithmetic operations.
 */
public final class RetryBudget {

    private static final int BUCKETS = 10;
    private static final long MIN_RETRIES_PER_SECOND = 10;
    private static final long SECOND = 1_000_000_000L;

    private final double ratio;
    private final LongSupplier nanoClock;
    private final long[] requests = new long[BUCKETS];
    private final long[] retries = new long[BUCKETS];
    private final long[] bucketSecond = new long[BUCKETS];

    public RetryBudget(double ratio, LongSupplier nanoClock) {
        this.ratio = ratio;
        this.nanoClock = nanoClock;
    }

    /** Counts one request (first attempts only). */
    public synchronized void recordRequest() {
        requests[bucket()]++;
    }

    /** Takes one retry from the budget; false when the budget is spent. */
    public synchronized boolean tryRetry() {
        int current = bucket();
        long requestSum = 0;
        long retrySum = 0;
        for (int i = 0; i < BUCKETS; i++) {
            requestSum += requests[i];
            retrySum += retries[i];
        }
        if (retrySum >= Math.max((long) (requestSum * ratio), MIN_RETRIES_PER_SECOND * BUCKETS)) {
            return false;
        }
        retries[current]++;
        return true;
    }

    /** The bucket of the current second, cleared if it last held an older second. */
    private int bucket() {
        long second = Math.floorDiv(nanoClock.getAsLong(), SECOND);
        int index = (int) Math.floorMod(second, BUCKETS);
        if (bucketSecond[index] != second) {
            bucketSecond[index] = second;
            requests[index] = 0;
            retries[index] = 0;
        }
        // buckets not touched for 10 s or more still hold old counts: clear them
        for (int i = 0; i < BUCKETS; i++) {
            if (second - bucketSecond[i] >= BUCKETS) {
                bucketSecond[i] = second;
                requests[i] = 0;
                retries[i] = 0;
            }
        }
        return index;
    }
}
