package dev.sluice.limits;

import dev.sluice.eventloop.EventLoops;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Gathers the releases an event loop makes in one pass into one Redis command per account.
 *
 * <p>Every admitted request ends with a release, a Redis command of its own after the answer went out; under load one
 * pass of an event loop ends several requests, often of one account. Sending their releases as one script call saves
 * a command's encoding, reply, promise and deadline per request, which profiles of the Redis path showed as a large
 * part of its cost. A release waits at most for the rest of the pass it was made in (the loop's task queue runs right
 * after its I/O), so a slot is freed no later than before, to within microseconds.
 *
 * <p>Releases of one account and one token minute go together (one Redis Cluster slot, one token counter); off an event
 * loop a release is sent alone.
 */
final class ReleaseBatching {

    /** One request's release: its lease and what it really used. */
    record Release(Lease lease, long actualTokens, long actualCostMicros) {
    }

    /** The most releases in one command. */
    static final int MAX_BATCH = 64;

    private final Vertx vertx;
    private final Function<List<Release>, Future<Void>> sender;
    private final FastThreadLocal<LoopReleases> loops = new FastThreadLocal<>();

    /** @param sender sends a batch (all of one account and token minute) and completes when Redis has applied it */
    ReleaseBatching(Vertx vertx, Function<List<Release>, Future<Void>> sender) {
        this.vertx = vertx;
        this.sender = sender;
    }

    /** Sends the release with the others of this pass; completes when Redis has applied it (or failed to). */
    Future<Void> add(Release release) {
        ContextInternal context = EventLoops.currentLoopContext(vertx);
        if (context == null) {
            return sender.apply(List.of(release));
        }
        LoopReleases releases = loops.get();
        if (releases == null) {
            releases = new LoopReleases(context.nettyEventLoop());
            loops.set(releases);
        }
        return releases.add(release);
    }

    /** One event loop's releases of the current pass; touched by that loop's thread only. */
    private final class LoopReleases implements Runnable {
        private final EventLoop loop;
        private final List<Batch> open = new ArrayList<>(2);
        private boolean flushQueued;

        LoopReleases(EventLoop loop) {
            this.loop = loop;
        }

        Future<Void> add(Release release) {
            for (Batch batch : open) {
                if (batch.takes(release)) {
                    batch.releases.add(release);
                    return batch.sent.future();
                }
            }
            Batch batch = new Batch(release);
            open.add(batch);
            if (!flushQueued) {
                flushQueued = true;
                loop.execute(this);
            }
            return batch.sent.future();
        }

        /** Sends this pass's batches. */
        @Override
        public void run() {
            flushQueued = false;
            List<Batch> batches = List.copyOf(open);
            open.clear();
            for (Batch batch : batches) {
                try {
                    sender.apply(batch.releases).onComplete(batch.sent);
                } catch (RuntimeException failure) {
                    batch.sent.tryFail(failure); // its callers hear of it; the other batches still go
                }
            }
        }
    }

    private static final class Batch {
        private final String account;
        private final long tokenWindowStart;
        private final List<Release> releases = new ArrayList<>(8);
        private final Promise<Void> sent = Promise.promise();

        Batch(Release first) {
            this.account = first.lease().limits().account();
            this.tokenWindowStart = first.lease().tokenWindowStart();
            releases.add(first);
        }

        boolean takes(Release release) {
            return releases.size() < MAX_BATCH && release.lease().tokenWindowStart() == tokenWindowStart
                    && release.lease().limits().account().equals(account);
        }
    }
}
