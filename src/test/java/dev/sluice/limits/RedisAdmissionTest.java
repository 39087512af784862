package dev.sluice.limits;

import static dev.sluice.testing.Api.openai;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.RedisLimitsProfile;
import dev.sluice.testing.Replies;
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
            Thread.sleep(200); // Redis answers the release after the client has its answer
            // two script calls; every other command Redis ran is one the scripts run inside them
            assertThat(client.calls("evalsha")).isEqualTo(2);
            assertThat(client.commandsRun()).isSubsetOf("evalsha", "zremrangebyscore", "zcard", "zadd", "zrem", "zscore",
                    "get", "set", "incr", "incrby", "decrby", "exists", "pexpireat", "pexpiretime", "info",
                    "config|resetstat");
        }
    }

    @Test
    void anAnswerDoesNotWaitForRedisToAnswerItsRelease() throws Exception {
        // given: a backend that freezes Redis before it answers: the admission was answered, the release will not be
        // until Redis runs again (redis-timeout is 2 s)
        backends.get("l").reply((request, body, response) -> {
            redis.freeze();
            Replies.json(200, Replies.CHAT_COMPLETION).answer(request, body, response);
        });
        long millis;
        try {
            // when
            long start = System.nanoTime();
            openai(key("serial")).body(CHAT).post("/v1/chat/completions").then().statusCode(200)
                    .body("id", org.hamcrest.Matchers.equalTo("chatcmpl-1"));
            millis = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        } finally {
            redis.thaw();
        }

        // then: the answer went out once the release was sent, not after Redis' answer (which came after the thaw)
        assertThat(millis).as("milliseconds to the answer, Redis frozen").isLessThan(1_000);
        // and the release, sent before the answer's last bytes, frees the slot once Redis runs again
        awaitIdle("serial");
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
