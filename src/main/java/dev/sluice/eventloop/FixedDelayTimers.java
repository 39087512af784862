package dev.sluice.eventloop;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * Timers that all wait the same delay, for the short-lived timers of the request path that are nearly always
 * cancelled before they fire: a Redis call's deadline, a lease's renewal.
 *
 * <p>A Vert.x timer costs a map entry, a close hook and a place in the event loop's priority queue, each undone again
 * on cancel; with two or three of them per request that showed in profiles of the Redis path. Here each event loop
 * keeps its timers in a queue in the order they were set, which with one delay is the order they expire in, under a
 * single scheduled task of that loop; cancelling only marks a timer, and marked timers leave the queue when they reach
 * its head (or in a sweep, when the queue has grown). A timer fires on the event loop that set it, in the Vert.x
 * context that was current then, as a Vert.x timer would.
 *
 * <p>Set off an event loop (a worker thread, a test's own thread), a timer is a plain Vert.x timer. For timers of
 * any delay, see {@link LoopTimers}.
 */
public final class FixedDelayTimers {

    /** Fewest timers in a loop's queue before cancelled ones behind a live head are swept out. */
    private static final int SWEEP_MIN = 1024;

    private final Vertx vertx;
    private final long delayMillis;
    private final long delayNanos;
    private final FastThreadLocal<LoopQueue> queues = new FastThreadLocal<>();

    public FixedDelayTimers(Vertx vertx, long delayMillis) {
        this.vertx = vertx;
        this.delayMillis = Math.max(1, delayMillis);
        this.delayNanos = TimeUnit.MILLISECONDS.toNanos(this.delayMillis);
    }

    /** Runs {@code action} after the delay, unless the returned timer is cancelled first. */
    public Timer schedule(Runnable action) {
        ContextInternal context = EventLoops.currentLoopContext(vertx);
        if (context == null) {
            return LoopTimers.vertxTimer(vertx, delayMillis, action);
        }
        LoopQueue queue = queues.get();
        if (queue == null) {
            queue = new LoopQueue(context.nettyEventLoop());
            queues.set(queue);
        }
        Entry entry = new Entry(context, action, System.nanoTime() + delayNanos);
        queue.add(entry);
        return entry;
    }

    /** How many timers the calling event loop's queue holds, cancelled ones included (tests). */
    int queuedOnThisLoop() {
        LoopQueue queue = queues.get();
        return queue == null ? 0 : queue.entries.size();
    }

    private static final class Entry implements Timer {
        private final long deadlineNanos;
        private volatile boolean cancelled;
        private ContextInternal context;
        private Runnable action;

        Entry(ContextInternal context, Runnable action, long deadlineNanos) {
            this.context = context;
            this.action = action;
            this.deadlineNanos = deadlineNanos;
        }

        @Override
        public void cancel() {
            // what the action holds (a promise, a request's ticket) need not wait for the entry to leave the queue
            action = null;
            context = null;
            cancelled = true;
        }

        void fire() {
            if (cancelled) {
                return;
            }
            Runnable toRun = action;
            ContextInternal in = context;
            action = null;
            context = null;
            if (toRun != null && in != null) { // null: cancelled from another thread just now
                in.dispatch(toRun);
            }
        }
    }

    /** One event loop's timers, in the order they expire; touched by that loop's thread only. */
    private final class LoopQueue implements Runnable {
        private final EventLoop loop;
        private final ArrayDeque<Entry> entries = new ArrayDeque<>();
        private boolean armed;
        private int sweepAt = SWEEP_MIN;

        LoopQueue(EventLoop loop) {
            this.loop = loop;
        }

        void add(Entry entry) {
            Entry head;
            while ((head = entries.peekFirst()) != null && head.cancelled) {
                entries.pollFirst();
            }
            if (entries.size() >= sweepAt) {
                // a live timer at the head (a long stream's renewal) holds back every cancelled one behind it
                entries.removeIf(queued -> queued.cancelled);
                sweepAt = Math.max(SWEEP_MIN, 2 * entries.size());
            }
            entries.addLast(entry);
            arm(entry.deadlineNanos - System.nanoTime());
        }

        /** Fires the timers that are due, then waits for the next one. */
        @Override
        public void run() {
            armed = false;
            Entry head;
            while ((head = entries.peekFirst()) != null) {
                if (!head.cancelled && head.deadlineNanos - System.nanoTime() > 0) {
                    arm(head.deadlineNanos - System.nanoTime());
                    return;
                }
                entries.pollFirst();
                head.fire(); // may set new timers: they queue behind, and arm() keeps to one task
            }
        }

        private void arm(long inNanos) {
            if (!armed) {
                armed = true;
                loop.schedule(this, Math.max(0, inNanos), TimeUnit.NANOSECONDS);
            }
        }
    }
}
