package dev.sluice.limits;

/**
 * An admitted request's hold on its account: its concurrency slot and its reservations, to be settled and released
 * by the store that granted them.
 *
 * @param tokenWindowStart the minute the tokens were reserved in (settlement goes to that minute)
 */
public record Lease(AccountLimits limits, String id, long reservedTokens, long tokenWindowStart, long reservedCostMicros,
        LimitStore store) {
}
