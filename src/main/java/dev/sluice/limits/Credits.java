package dev.sluice.limits;

/** Credits are counted in whole micro-credits, so that balances add up exactly in both stores. */
public final class Credits {

    private static final double MICROS = 1_000_000.0;

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
