package dev.sluice.limits;

import dev.sluice.limits.RedisLimitStore.Release;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The releases of slot-holding leases that Redis acknowledged lately, kept to be sent again when Redis turns out to
 * answer from another server. Redis replicates asynchronously: a release that the old primary took shortly before it
 * was replaced (in a requested Sentinel failover, anything it took between its replica's promotion and its own
 * demotion, about a second) is lost with it, and its slot would stay taken until its lease expires, ten minutes by
 * default: an account of concurrency 3 with three requests ending in that second was refused every request for that
 * long. Sending such a release again is harmless where it was not lost: a release of a slot settles only if it still
 * held its slot ({@code release.lua}).
 *
 * <p>Only releases of leases that hold a slot are kept: the others always settle, and sending them again would count
 * their tokens and credits twice. Thread-safe; the batches are kept roughly in the order Redis acknowledged them.
 */
final class ReleaseJournal {

    /** One script call's releases (one account), {@code uncountWindow} as sent (-1: none), when Redis answered. */
    record Batch(List<Release> releases, long uncountWindow, long acknowledgedNanos) {
    }

    private final Queue<Batch> batches = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final int maxBatches;

    /** @param maxBatches the most batches kept; past it the oldest go (their slots free themselves with the lease) */
    ReleaseJournal(int maxBatches) {
        this.maxBatches = maxBatches;
    }

    /** Keeps the slot-holding releases of a call that Redis answered at {@code acknowledgedNanos}. */
    void add(List<Release> releases, long uncountWindow, long acknowledgedNanos) {
        List<Release> holding = slotHolding(releases);
        if (holding.isEmpty()) {
            return;
        }
        if (size.incrementAndGet() > maxBatches && batches.poll() != null) {
            size.decrementAndGet();
        }
        batches.add(new Batch(holding, uncountWindow, acknowledgedNanos));
    }

    /** Forgets what Redis acknowledged before {@code nanos}: the server it was sent to is known to have kept it. */
    void forgetBefore(long nanos) {
        for (Batch oldest = batches.peek(); oldest != null && oldest.acknowledgedNanos() - nanos < 0;
                oldest = batches.peek()) {
            if (batches.remove(oldest)) {
                size.decrementAndGet();
            }
        }
    }

    /** Everything kept, oldest first; the journal is then empty. */
    List<Batch> takeAll() {
        List<Batch> all = new ArrayList<>();
        for (Batch next = batches.poll(); next != null; next = batches.poll()) {
            size.decrementAndGet();
            all.add(next);
        }
        return all;
    }

    int size() {
        return size.get();
    }

    private static List<Release> slotHolding(List<Release> releases) {
        int holding = 0;
        for (Release release : releases) {
            if (release.lease().limits().concurrency() != null) {
                holding++;
            }
        }
        if (holding == releases.size()) {
            return releases;
        }
        // a batch mixes the two only across a reload that changed the account's limits
        List<Release> kept = new ArrayList<>(holding);
        for (Release release : releases) {
            if (release.lease().limits().concurrency() != null) {
                kept.add(release);
            }
        }
        return kept;
    }
}
