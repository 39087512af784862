package dev.sluice.routing;

import java.time.Duration;

/**
 * A model's hedging (contract §6.6): while no attempt has answered, the next candidate starts every {@code after},
 * up to {@code maxAttempts} in flight; {@code after} zero is race mode, where {@code maxAttempts} candidates start
 * together.
 */
public record Hedge(Duration after, int maxAttempts) {

    /** True in race mode: every attempt starts at once, none waits for a timer. */
    public boolean race() {
        return after.isZero();
    }

    /** {@code after} for a timer: whole milliseconds, at least 1. */
    public long afterMillis() {
        return Math.max(1, after.toMillis());
    }
}
