package dev.sluice.limits;

/**
 * The limits of one account: its plan's, overridden by its own. A null limit is one the account does not have.
 *
 * @param planTier the plan's name, or null when the account has no plan
 * @param quotaWindowMillis the request quota's window (epoch-aligned), when there is a quota
 * @param burst how many requests may come at once under {@code rate}
 * @param credits the initial prepaid balance, or null when the account does not use credits
 */
public record AccountLimits(String account, String planTier, Integer concurrency, Long requestsPerWindow,
        long quotaWindowMillis, Double rate, Double burst, Long tokensPerMinute, Double credits) {

    public static final long TOKEN_WINDOW_MILLIS = 60_000;

    /** The same limits with a credit balance (seeded with {@code initialCredits} the first time it is used). */
    public AccountLimits withCredits(double initialCredits) {
        return new AccountLimits(account, planTier, concurrency, requestsPerWindow, quotaWindowMillis, rate, burst,
                tokensPerMinute, initialCredits);
    }

    public boolean unlimited() {
        return concurrency == null && requestsPerWindow == null && rate == null && tokensPerMinute == null
                && credits == null;
    }

    /** True when a request's real usage must be read from its response to settle tokens or credits. */
    public boolean settles() {
        return tokensPerMinute != null || credits != null;
    }

    /** GCRA emission interval: milliseconds per request at the sustained rate. */
    public double rateIntervalMillis() {
        return 1000.0 / rate;
    }

    /** GCRA tolerance: how far ahead of now the theoretical arrival time may run, which allows {@code burst}. */
    public double rateToleranceMillis() {
        return (Math.max(1, burst) - 1) * rateIntervalMillis();
    }

    public long quotaWindowStart(long nowMillis) {
        return Math.floorDiv(nowMillis, quotaWindowMillis) * quotaWindowMillis;
    }

    public static long tokenWindowStart(long nowMillis) {
        return Math.floorDiv(nowMillis, TOKEN_WINDOW_MILLIS) * TOKEN_WINDOW_MILLIS;
    }
}
