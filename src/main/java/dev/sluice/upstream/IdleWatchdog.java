package dev.sluice.upstream;

import dev.sluice.eventloop.LoopTimers;
import dev.sluice.eventloop.Timer;
import io.vertx.core.Vertx;

/**
 * Fires once when nothing happened for {@code timeoutMillis}. Activity only stamps a time; the single timer re-arms
 * itself for the remainder when it finds recent activity, so a busy stream costs one timer per timeout period, not
 * one per chunk. One watchdog serves a backend call from the request to the answer's last byte: each phase
 * ({@link #retarget}: first byte, first chunk, the relay) changes the timeout and what a timeout does, and keeps the
 * armed timer unless it would fire too late. Confined to one event loop, whose own scheduler keeps the timer
 * ({@link LoopTimers}).
 */
public final class IdleWatchdog {

    private final Vertx vertx;
    private long timeoutNanos;
    private Runnable onTimeout;
    private long lastActivity;
    /** The armed timer, or null. */
    private Timer timer;
    /** When the armed timer fires (System.nanoTime), if one is armed. */
    private long firesAtNanos;
    private boolean held;

    private IdleWatchdog(Vertx vertx, long timeoutMillis, Runnable onTimeout) {
        this.vertx = vertx;
        this.timeoutNanos = timeoutMillis * 1_000_000L;
        this.onTimeout = onTimeout;
    }

    public static IdleWatchdog start(Vertx vertx, long timeoutMillis, Runnable onTimeout) {
        IdleWatchdog watchdog = new IdleWatchdog(vertx, timeoutMillis, onTimeout);
        watchdog.lastActivity = System.nanoTime();
        watchdog.arm(timeoutMillis);
        return watchdog;
    }

    /**
     * From now on: fire after {@code timeoutMillis} without activity, and then run {@code onTimeout}. The armed timer
     * stays when it fires no later than the new deadline (it re-arms for the remainder then); a watchdog that already
     * fired or was cancelled stays so.
     */
    public void retarget(long timeoutMillis, Runnable onTimeout) {
        this.timeoutNanos = timeoutMillis * 1_000_000L;
        this.onTimeout = onTimeout;
        touch();
        if (timer != null && firesAtNanos - (lastActivity + timeoutNanos) > 0) {
            timer.cancel();
            arm(timeoutMillis);
        }
    }

    public void touch() {
        lastActivity = System.nanoTime();
    }

    /**
     * Stops counting while the proxy itself holds the other side back (a slow client): silence then is not
     * idleness. {@link #release()} counts again from now.
     */
    public void hold() {
        held = true;
    }

    public void release() {
        held = false;
        touch();
    }

    public void cancel() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }

    private void arm(long delayMillis) {
        long delay = Math.max(1, delayMillis);
        firesAtNanos = System.nanoTime() + delay * 1_000_000L;
        timer = LoopTimers.schedule(vertx, delay, () -> {
            timer = null;
            if (held) {
                arm(timeoutNanos / 1_000_000L);
                return;
            }
            long idle = System.nanoTime() - lastActivity;
            if (idle >= timeoutNanos) {
                onTimeout.run();
            } else {
                arm((timeoutNanos - idle) / 1_000_000L + 1);
            }
        });
    }
}
