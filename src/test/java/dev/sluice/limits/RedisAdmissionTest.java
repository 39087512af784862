package dev.sluice.limits;

import static dev.sluice.testing.Api.openai;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.RedisLimitsProfile;
import dev.sluice.testing.RespClient;
import dev.sluice.testing.InjectRedis;
import dev.sluice.testing.Scrape;
import dev.sluice.testing.TestRedis;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

/** Admission end to end with {@code store: redis}, plus the round trips it costs. */
@QuarkusTest
@TestProfile(RedisLimitsProfile.class)
class RedisAdmissionTest extends AdmissionEndToEnd {

    @InjectRedis
    TestRedis redis;

    @Test
    void admissionIsOneRoundTripAndReleaseOneMore() throws Exception {
        openai(key("open")).body(CHAT).post("/v1/chat/completions").then().statusCode(200);
        Thread.sleep(100);
        try (RespClient client = redis.client()) {
            client.command("CONFIG", "RESETSTAT");
            openai(key("open")).body(CHAT).post("/v1/chat/completions").then().statusCode(200);
            Thread.sleep(200); // the release goes out after the answer
            // two script calls; every other command Redis ran is one the scripts run inside them
            assertThat(client.calls("evalsha")).isEqualTo(2);
            assertThat(client.commandsRun()).isSubsetOf("evalsha", "zremrangebyscore", "zcard", "zadd", "zrem", "zscore",
                    "get", "set", "incr", "incrby", "decrby", "exists", "pexpireat", "pexpiretime", "info",
                    "config|resetstat");
        }
    }

    /**
     * The store's calls are measured once, by Sluice's own series: Quarkus' Redis client metrics (a timer and counters
     * per command, two commands per request) are off.
     */
    @Test
    void redisCallsAreMeasuredBySluicesOwnSeriesOnly() {
        openai(key("open")).body(CHAT).post("/v1/chat/completions").then().statusCode(200);
        Scrape scrape = Scrape.now();
        assertThat(scrape.value("sluice_admission_duration_seconds_count", "store", "redis")).isPositive();
        assertThat(scrape.text()).doesNotContain("redis_commands");
    }
}
