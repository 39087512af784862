package dev.sluice.limits;

/** Credits are counted in whole micro-credits, so that balances add up exactly in both stores. */
public final class Credits {

    private static final double MICROS = 1_000_000.0;
    /**
     * The largest balance an account may hold, and the largest amount one change may add or take: a trillion credits.
     * Two of them still add up within a {@code long} of micro-credits (and within what Redis' INCRBY takes).
     */
    public static final double MAX_CREDITS = 1e12;
    public static final long MAX_MICROS = 1_000_000_000_000_000_000L;

    private Credits() {
    }

    public static long toMicros(double credits) {
        return Math.round(credits * MICROS);
    }

    /** Rounded up: an estimate never under-reserves. */
    public static long toMicrosCeil(double credits) {
        return (long) Math.ceil(credits * MICROS - 1e-6);
    }

    public static double fromMicros(long micros) {
        return micros / MICROS;
    }
}
