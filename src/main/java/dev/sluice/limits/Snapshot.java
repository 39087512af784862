package dev.sluice.limits;

/**
 * An account's counters as one admission left them (or found them, when it refused): what the RateLimit headers
 * and GET /v1/usage report.
 */
public record Snapshot(long inFlight, long quotaUsed, long rateRemaining, long tokensUsed, long creditsMicros) {
}
