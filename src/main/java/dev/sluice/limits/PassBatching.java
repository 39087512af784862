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
import java.util.function.BiPredicate;
import java.util.function.Function;

/**
 * Gathers the Redis calls an event loop makes in one pass into one script call per group (an account, mostly).
 *
 * <p>Every admitted request costs an admission and a release, each a Redis command of its own; under load one pass
 * of an event loop reads several requests and ends several, often of one account. Sending them as one script call
 * saves a command's encoding, reply, promise and deadline per request, which profiles of the Redis path showed as a
 * large part of its cost (and Redis its per-call work). A call waits at most for the rest of the pass it was made in
 * (the loop's task queue runs right after its I/O), so microseconds.
 *
 * <p>Off an event loop a call is sent alone.
 *
 * @param <T> one request's call (an admission, a release)
 * @param <R> what that request learns from the batch's answer
 */
final class PassBatching<T, R> {

    /** The most calls in one command. */
    static final int MAX_BATCH = 64;

    private final Vertx vertx;
    private final BiPredicate<T, T> together;
    private final Function<List<T>, Future<List<R>>> sender;
    private final FastThreadLocal<LoopCalls> loops = new FastThreadLocal<>();

    /**
     * @param together whether a call may go in the batch another call started (same account, same windows…)
     * @param sender sends a batch; its answer holds one result per call, in the batch's order
     */
    PassBatching(Vertx vertx, BiPredicate<T, T> together, Function<List<T>, Future<List<R>>> sender) {
        this.vertx = vertx;
        this.together = together;
        this.sender = sender;
    }

    /** Sends the call with the others of this pass; completes with its own result, or the batch's failure. */
    Future<R> add(T call) {
        ContextInternal context = EventLoops.currentLoopContext(vertx);
        if (context == null) {
            return sender.apply(List.of(call)).map(results -> results.get(0));
        }
        LoopCalls calls = loops.get();
        if (calls == null) {
            calls = new LoopCalls(context.unwrap());
            loops.set(calls);
        }
        return calls.add(call);
    }

    /**
     * Completes once the calls this event loop added so far have been handed to the sender (at the end of the pass),
     * without waiting for their answer; at once when none waits, or off an event loop (where a call is sent alone).
     */
    Future<Void> flushed() {
        LoopCalls calls = loops.getIfExists();
        return calls == null ? Future.succeededFuture() : calls.flushed();
    }

    /** One event loop's calls of the current pass; touched by that loop's thread only. */
    private final class LoopCalls implements Runnable {
        /**
         * The loop's own Vert.x context (not a request's duplicate of it): the batches are sent in it, so that their
         * deadlines are the loop's timers and their replies are read where they are awaited.
         */
        private final ContextInternal context;
        private final EventLoop loop;
        private final List<Batch> open = new ArrayList<>(2);
        private boolean flushQueued;
        /** Completed when this pass's batches have been handed to the sender; made when someone waits for it. */
        private Promise<Void> handedOver;

        LoopCalls(ContextInternal context) {
            this.context = context;
            this.loop = context.nettyEventLoop();
        }

        Future<R> add(T call) {
            for (Batch batch : open) {
                if (batch.calls.size() < MAX_BATCH && together.test(batch.calls.get(0), call)) {
                    return batch.add(call);
                }
            }
            Batch batch = new Batch();
            open.add(batch);
            if (!flushQueued) {
                flushQueued = true;
                loop.execute(this);
            }
            return batch.add(call);
        }

        Future<Void> flushed() {
            if (!flushQueued) {
                return Future.succeededFuture();
            }
            if (handedOver == null) {
                handedOver = Promise.promise();
            }
            return handedOver.future();
        }

        /** At the end of the pass, in a task of the loop. */
        @Override
        public void run() {
            context.dispatch(this::flush);
        }

        /** Sends this pass's batches. */
        private void flush() {
            flushQueued = false;
            List<Batch> batches = List.copyOf(open);
            open.clear();
            Promise<Void> waiting = handedOver;
            handedOver = null;
            for (Batch batch : batches) {
                try {
                    sender.apply(batch.calls).onComplete(batch.sent);
                } catch (RuntimeException failure) {
                    batch.sent.tryFail(failure); // its callers hear of it; the other batches still go
                }
            }
            if (waiting != null) {
                waiting.complete();
            }
        }
    }

    private final class Batch {
        private final List<T> calls = new ArrayList<>(8);
        private final Promise<List<R>> sent = Promise.promise();

        Future<R> add(T call) {
            int index = calls.size();
            calls.add(call);
            return sent.future().map(results -> results.get(index));
        }
    }
}
