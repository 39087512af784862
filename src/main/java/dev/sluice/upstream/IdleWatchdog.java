package dev.sluice.upstream;

import io.vertx.core.Vertx;

/**
 * Fires once when nothing happened for {@code timeoutMillis}. Activity only stamps a time; the single timer re-arms
 * itself for the remainder when it finds recent activity, so a busy stream costs one timer per timeout period, not
 * one per chunk. Confined to one event loop.
 */
public final class IdleWatchdog {

    private final Vertx vertx;
    private final long timeoutNanos;
    private final Runnable onTimeout;
    private long lastActivity;
    private long timerId = -1;
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
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
            timerId = -1;
        }
    }

    private void arm(long delayMillis) {
        timerId = vertx.setTimer(Math.max(1, delayMillis), id -> {
            timerId = -1;
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
