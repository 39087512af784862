package dev.sluice.limits;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/** The body of GET /v1/usage (contract §1): only the limits the account has. */
final class UsageReport {

    private UsageReport() {
    }

    static JsonObject of(AccountLimits limits, Snapshot snapshot, long now) {
        JsonObject report = new JsonObject().put("account", limits.account());
        if (limits.planTier() != null) {
            report.put("plan_tier", limits.planTier());
        }
        if (limits.concurrency() != null) {
            report.put("concurrency", new JsonObject().put("limit", limits.concurrency()).put("in_flight", snapshot.inFlight()));
        }
        if (limits.requestsPerWindow() != null) {
            long windowEnd = limits.quotaWindowStart(now) + limits.quotaWindowMillis();
            report.put("quota", new JsonObject().put("limit", limits.requestsPerWindow()).put("used", snapshot.quotaUsed())
                    .put("remaining", Math.max(0, limits.requestsPerWindow() - snapshot.quotaUsed()))
                    .put("window_end", Instant.ofEpochMilli(windowEnd).toString()));
        }
        if (limits.rate() != null) {
            report.put("rate", new JsonObject().put("limit", number(limits.rate())).put("burst", number(limits.burst())));
        }
        if (limits.tokensPerMinute() != null) {
            report.put("tokens", new JsonObject().put("limit_per_minute", limits.tokensPerMinute())
                    .put("used", snapshot.tokensUsed()));
        }
        if (limits.credits() != null) {
            report.put("credits", new JsonObject().put("available", Credits.fromMicros(snapshot.creditsMicros())));
        }
        return report;
    }

    /** 100.0 reads better as 100. */
    private static Number number(double value) {
        return value == Math.rint(value) && Math.abs(value) < Long.MAX_VALUE ? (Number) (long) value : (Number) value;
    }
}
