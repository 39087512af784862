package dev.sluice.limits;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The rate-limit headers of contract §4.3: the legacy {@code RateLimit-Limit/Remaining/Reset} trio (of the request
 * quota on success, of the refusing limit on a 429) and the IETF structured fields {@code RateLimit-Policy} and
 * {@code RateLimit}, one member per limit the account has.
 */
public final class RateLimitHeaders {

    private static final PerLimits<String> POLICIES = new PerLimits<>(RateLimitHeaders::writePolicy);

    private RateLimitHeaders() {
    }

    /** Headers of an admitted request, handed one by one to {@code header} (a response's headers: no map between). */
    public static void admitted(AccountLimits limits, Snapshot snapshot, long now, BiConsumer<String, String> header) {
        if (limits.requestsPerWindow() != null) {
            header.accept("RateLimit-Limit", Long.toString(limits.requestsPerWindow()));
            header.accept("RateLimit-Remaining",
                    Long.toString(Math.max(0, limits.requestsPerWindow() - snapshot.quotaUsed())));
            header.accept("RateLimit-Reset", Long.toString(secondsToQuotaEnd(limits, now)));
        }
        structured(header, limits, snapshot, null, 0, now);
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
        structured(headers::put, limits, snapshot, limit, waitMillis, now);
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

    private static void structured(BiConsumer<String, String> header, AccountLimits limits, Snapshot snapshot, Limit refusing,
            long waitMillis, long now) {
        String policy = policy(limits);
        if (policy.isEmpty()) {
            return;
        }
        StringBuilder state = new StringBuilder(96);
        if (limits.requestsPerWindow() != null) {
            long remaining = refusing == Limit.QUOTA ? 0 : Math.max(0, limits.requestsPerWindow() - snapshot.quotaUsed());
            member(state, "\"quota\";r=").append(remaining).append(";t=").append(secondsToQuotaEnd(limits, now));
        }
        if (limits.rate() != null) {
            if (refusing == Limit.RATE) {
                member(state, "\"rate\";r=0;t=").append(Math.max(1, ceilSeconds(waitMillis)));
            } else {
                long burst = (long) Math.floor(limits.burst());
                long full = ceilSeconds((long) Math.ceil((burst - snapshot.rateRemaining()) * limits.rateIntervalMillis()));
                member(state, "\"rate\";r=").append(snapshot.rateRemaining()).append(";t=").append(full);
            }
        }
        if (limits.tokensPerMinute() != null) {
            long remaining = refusing == Limit.TOKENS ? 0 : Math.max(0, limits.tokensPerMinute() - snapshot.tokensUsed());
            member(state, "\"tokens\";r=").append(remaining).append(";t=").append(secondsToMinuteEnd(now));
        }
        if (limits.concurrency() != null) {
            long remaining = refusing == Limit.CONCURRENCY ? 0 : Math.max(0, limits.concurrency() - snapshot.inFlight());
            member(state, "\"concurrency\";r=").append(remaining);
            if (refusing == Limit.CONCURRENCY) {
                state.append(";t=1");
            }
        }
        header.accept("RateLimit-Policy", policy);
        header.accept("RateLimit", state.toString());
    }

    /**
     * {@code RateLimit-Policy}: the account's limits, in the order {@code RateLimit} lists them; empty without limits.
     * The same for every request of the account, so written once per limits.
     */
    static String policy(AccountLimits limits) {
        return POLICIES.get(limits);
    }

    private static String writePolicy(AccountLimits limits) {
        StringBuilder policy = new StringBuilder();
        if (limits.requestsPerWindow() != null) {
            member(policy, "\"quota\";q=").append(limits.requestsPerWindow()).append(";w=")
                    .append(limits.quotaWindowMillis() / 1000);
        }
        if (limits.rate() != null) {
            member(policy, "\"rate\";q=").append((long) Math.floor(limits.burst())).append(";w=1");
        }
        if (limits.tokensPerMinute() != null) {
            member(policy, "\"tokens\";q=").append(limits.tokensPerMinute()).append(";w=60");
        }
        if (limits.concurrency() != null) {
            member(policy, "\"concurrency\";q=").append(limits.concurrency()).append(";qu=\"concurrent-requests\"");
        }
        return policy.toString();
    }

    /** Starts a member of a structured list with {@code start}: the list's next item. */
    private static StringBuilder member(StringBuilder list, String start) {
        if (list.length() > 0) {
            list.append(", ");
        }
        return list.append(start);
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
