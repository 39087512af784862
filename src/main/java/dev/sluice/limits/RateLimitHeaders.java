package dev.sluice.limits;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The rate-limit headers of contract §4.3: the legacy {@code RateLimit-Limit/Remaining/Reset} trio (of the request
 * quota on success, of the refusing limit on a 429) and the IETF structured fields {@code RateLimit-Policy} and
 * {@code RateLimit}, one member per limit the account has.
 */
public final class RateLimitHeaders {

    private RateLimitHeaders() {
    }

    /** Headers of an admitted request. */
    public static Map<String, String> admitted(AccountLimits limits, Snapshot snapshot, long now) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (limits.requestsPerWindow() != null) {
            headers.put("RateLimit-Limit", Long.toString(limits.requestsPerWindow()));
            headers.put("RateLimit-Remaining", Long.toString(Math.max(0, limits.requestsPerWindow() - snapshot.quotaUsed())));
            headers.put("RateLimit-Reset", Long.toString(secondsToQuotaEnd(limits, now)));
        }
        structured(headers, limits, snapshot, null, 0, now);
        return headers;
    }

    /** Headers of a request refused by {@code limit}; {@link #retryAfterSeconds} goes into Retry-After. */
    public static Map<String, String> refused(AccountLimits limits, Snapshot snapshot, Limit limit, long waitMillis,
            long now) {
        Map<String, String> headers = new LinkedHashMap<>();
        long retryAfter = retryAfterSeconds(limits, limit, waitMillis, now);
        headers.put("Retry-After", Long.toString(retryAfter));
        headers.put("RateLimit-Limit", Long.toString(limitValue(limits, limit)));
        headers.put("RateLimit-Remaining", "0");
        headers.put("RateLimit-Reset", Long.toString(retryAfter));
        structured(headers, limits, snapshot, limit, waitMillis, now);
        return headers;
    }

    /** Whole seconds, at least 1, until the refusing limit would admit a request. */
    public static long retryAfterSeconds(AccountLimits limits, Limit limit, long waitMillis, long now) {
        long seconds = switch (limit) {
            case CONCURRENCY, CREDITS -> 1;
            case QUOTA -> secondsToQuotaEnd(limits, now);
            case RATE -> ceilSeconds(waitMillis);
            case TOKENS -> secondsToMinuteEnd(now);
        };
        return Math.max(1, seconds);
    }

    private static long limitValue(AccountLimits limits, Limit limit) {
        return switch (limit) {
            case CONCURRENCY -> limits.concurrency();
            case QUOTA -> limits.requestsPerWindow();
            case RATE -> (long) Math.floor(limits.burst());
            case TOKENS -> limits.tokensPerMinute();
            case CREDITS -> 0;
        };
    }

    private static void structured(Map<String, String> headers, AccountLimits limits, Snapshot snapshot, Limit refusing,
            long waitMillis, long now) {
        StringBuilder policy = new StringBuilder();
        StringBuilder state = new StringBuilder();
        if (limits.requestsPerWindow() != null) {
            member(policy, "\"quota\";q=" + limits.requestsPerWindow() + ";w=" + limits.quotaWindowMillis() / 1000);
            long remaining = refusing == Limit.QUOTA ? 0 : Math.max(0, limits.requestsPerWindow() - snapshot.quotaUsed());
            member(state, "\"quota\";r=" + remaining + ";t=" + secondsToQuotaEnd(limits, now));
        }
        if (limits.rate() != null) {
            long burst = (long) Math.floor(limits.burst());
            member(policy, "\"rate\";q=" + burst + ";w=1");
            if (refusing == Limit.RATE) {
                member(state, "\"rate\";r=0;t=" + Math.max(1, ceilSeconds(waitMillis)));
            } else {
                long full = ceilSeconds((long) Math.ceil((burst - snapshot.rateRemaining()) * limits.rateIntervalMillis()));
                member(state, "\"rate\";r=" + snapshot.rateRemaining() + ";t=" + full);
            }
        }
        if (limits.tokensPerMinute() != null) {
            member(policy, "\"tokens\";q=" + limits.tokensPerMinute() + ";w=60");
            long remaining = refusing == Limit.TOKENS ? 0 : Math.max(0, limits.tokensPerMinute() - snapshot.tokensUsed());
            member(state, "\"tokens\";r=" + remaining + ";t=" + secondsToMinuteEnd(now));
        }
        if (limits.concurrency() != null) {
            member(policy, "\"concurrency\";q=" + limits.concurrency() + ";qu=\"concurrent-requests\"");
            long remaining = refusing == Limit.CONCURRENCY ? 0 : Math.max(0, limits.concurrency() - snapshot.inFlight());
            member(state, "\"concurrency\";r=" + remaining + (refusing == Limit.CONCURRENCY ? ";t=1" : ""));
        }
        if (policy.length() > 0) {
            headers.put("RateLimit-Policy", policy.toString());
            headers.put("RateLimit", state.toString());
        }
    }

    private static void member(StringBuilder list, String member) {
        if (list.length() > 0) {
            list.append(", ");
        }
        list.append(member);
    }

    static long secondsToQuotaEnd(AccountLimits limits, long now) {
        long end = limits.quotaWindowStart(now) + limits.quotaWindowMillis();
        return Math.max(1, ceilSeconds(end - now));
    }

    static long secondsToMinuteEnd(long now) {
        long end = AccountLimits.tokenWindowStart(now) + AccountLimits.TOKEN_WINDOW_MILLIS;
        return Math.max(1, ceilSeconds(end - now));
    }

    private static long ceilSeconds(long millis) {
        return (millis + 999) / 1000;
    }
}
