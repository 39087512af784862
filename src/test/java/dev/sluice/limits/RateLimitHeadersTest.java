package dev.sluice.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The exact rate-limit headers of contract §4.3, for an account with every limit. */
class RateLimitHeadersTest {

    /** Every limit: 4 concurrent, 100 an hour, 2 a second with a burst of 5, 1,000 tokens a minute, credits. */
    static final AccountLimits EVERY_LIMIT = new AccountLimits("acme", "pro", 4, 100L, 3_600_000, 2.0, 5.0, 1000L, 1.0);
    /** 30 minutes and 30 seconds into an hour: 1,770 s left of the quota window, 30 s of the token minute. */
    static final long NOW = 1000 * 3_600_000L + 1_830_000;
    static final Snapshot USED = new Snapshot(1, 10, 3, 200, 500_000);
    static final String POLICY = "\"quota\";q=100;w=3600, \"rate\";q=5;w=1, \"tokens\";q=1000;w=60, "
            + "\"concurrency\";q=4;qu=\"concurrent-requests\"";

    /** An admitted request's headers as the response gets them, in their order. */
    static Map<String, String> admitted(AccountLimits limits, Snapshot snapshot, long now) {
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        RateLimitHeaders.admitted(limits, snapshot, now, headers::put);
        return headers;
    }

    @Test
    void anAdmittedRequestGetsTheQuotaTrioAndOneMemberPerLimit() {
        Map<String, String> headers = admitted(EVERY_LIMIT, USED, NOW);

        assertThat(headers).containsExactly(
                Map.entry("RateLimit-Limit", "100"),
                Map.entry("RateLimit-Remaining", "90"),
                Map.entry("RateLimit-Reset", "1770"),
                Map.entry("RateLimit-Policy", POLICY),
                // the rate bucket refills its 2 missing requests in 1 s (2 × 500 ms)
                Map.entry("RateLimit", "\"quota\";r=90;t=1770, \"rate\";r=3;t=1, \"tokens\";r=800;t=30, \"concurrency\";r=3"));
    }

    @Test
    void aRefusedRequestNamesTheRefusingLimitWithNothingLeftOfIt() {
        Map<String, String> byConcurrency = RateLimitHeaders.refused(EVERY_LIMIT, USED, Limit.CONCURRENCY, 0, NOW);
        assertThat(byConcurrency).containsExactly(
                Map.entry("Retry-After", "1"),
                Map.entry("RateLimit-Limit", "4"),
                Map.entry("RateLimit-Remaining", "0"),
                Map.entry("RateLimit-Reset", "1"),
                Map.entry("RateLimit-Policy", POLICY),
                Map.entry("RateLimit", "\"quota\";r=90;t=1770, \"rate\";r=3;t=1, \"tokens\";r=800;t=30, "
                        + "\"concurrency\";r=0;t=1"));

        Map<String, String> byRate = RateLimitHeaders.refused(EVERY_LIMIT, USED, Limit.RATE, 1_200, NOW);
        assertThat(byRate.get("Retry-After")).isEqualTo("2");
        assertThat(byRate.get("RateLimit")).isEqualTo(
                "\"quota\";r=90;t=1770, \"rate\";r=0;t=2, \"tokens\";r=800;t=30, \"concurrency\";r=3");
    }

    @Test
    void anAccountWithoutLimitsGetsNone() {
        AccountLimits none = new AccountLimits("free", "pro", null, null, 3_600_000, null, null, null, null);
        assertThat(admitted(none, new Snapshot(0, 0, 0, 0, 0), NOW)).isEmpty();
    }

    @Test
    void changedLimitsGetTheirOwnPolicy() {
        AccountLimits more = new AccountLimits("acme", "pro", 8, 100L, 3_600_000, 2.0, 5.0, 1000L, 1.0);
        assertThat(RateLimitHeaders.policy(EVERY_LIMIT)).endsWith("\"concurrency\";q=4;qu=\"concurrent-requests\"");
        assertThat(RateLimitHeaders.policy(more)).endsWith("\"concurrency\";q=8;qu=\"concurrent-requests\"");
    }
}
