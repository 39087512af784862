package dev.sluice.config;

import io.quarkus.runtime.configuration.DurationConverter;
import java.time.Duration;

/** Durations and numbers as the configuration file writes them ({@code 1h}, {@code 90s}, {@code 100}). */
public final class Durations {

    private Durations() {
    }

    /** Parses {@code 1h}, {@code 30m}, {@code 90s}, {@code 500ms} or ISO-8601; throws IllegalArgumentException. */
    public static Duration parse(String text) {
        Duration duration = DurationConverter.parseDuration(text.trim());
        if (duration == null) {
            throw new IllegalArgumentException("empty duration");
        }
        return duration;
    }

    /** The shortest of {@code 1d}, {@code 1h}, {@code 1m}, {@code 1s}, {@code 1ms} that says the duration exactly. */
    public static String format(Duration duration) {
        if (duration.getNano() % 1_000_000 != 0) {
            return duration.toString(); // finer than a millisecond: ISO-8601 says it exactly
        }
        long millis = duration.toMillis();
        if (millis % 86_400_000 == 0 && millis > 0) {
            return millis / 86_400_000 + "d";
        }
        if (millis % 3_600_000 == 0 && millis > 0) {
            return millis / 3_600_000 + "h";
        }
        if (millis % 60_000 == 0 && millis > 0) {
            return millis / 60_000 + "m";
        }
        if (millis % 1000 == 0) {
            return millis / 1000 + "s";
        }
        return millis + "ms";
    }

    /** 100.0 reads better as 100. */
    public static Number number(double value) {
        return value == Math.rint(value) && Math.abs(value) < Long.MAX_VALUE ? (Number) (long) value : (Number) value;
    }
}
