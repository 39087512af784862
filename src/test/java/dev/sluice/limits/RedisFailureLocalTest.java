package dev.sluice.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.Management;
import dev.sluice.testing.RedisFailureProfile;
import dev.sluice.testing.Replies;
import dev.sluice.testing.RespClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code redis-failure: local}: limits fall back to the instance; readiness stays UP, degraded. */
@QuarkusTest
@TestProfile(RedisFailureProfile.Local.class)
class RedisFailureLocalTest extends RedisFailureEndToEnd {

    @Override
    void assertAnswerWhileDown(Response response) {
        response.then().statusCode(200).header("ratelimit-limit", "1000");
    }

    @Override
    int readinessStatusWhileDown() {
        return 200;
    }

    @Test
    void slotsTakenInTheInstanceDuringAnOutageCountOnRedisWhenItAnswersAgain() throws Exception {
        // given: Redis is down, and the account's whole concurrency (10) is admitted by the instance's own limits
        assertThat(awaitAdmissionsOnRedis()).isPositive();
        // held long enough for Redis to come back and the eleventh request to be refused, on a loaded machine too
        backends.get("r").reply(Replies.delayed(8_000, Replies.json(200, Replies.CHAT_COMPLETION)));
        try {
            redis.kill();
            int before = backends.get("r").requestCount();
            List<CompletableFuture<Response>> inFlight = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                inFlight.add(CompletableFuture.supplyAsync(RedisFailureEndToEnd::chat));
            }
            awaitUntil(() -> backends.get("r").requestCount() == before + 10);

            // when: Redis answers again (empty: a restart without persistence)
            redis.startProcess();
            awaitUntil(() -> "redis".equals(limitStoreMode(Management.given().get("/q/health/ready").jsonPath()))
                    && slotsInRedis() == 10);

            // then: Redis counts the ten running requests, and admits no eleventh beside them
            Response eleventh = chat();
            eleventh.then().statusCode(429).body("error.code", org.hamcrest.Matchers.equalTo("concurrency_limit_exceeded"));
            for (CompletableFuture<Response> request : inFlight) {
                assertThat(request.get(15, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
            // and their end frees the slots there too
            awaitUntil(() -> slotsInRedis() == 0);
        } finally {
            backends.resetAll();
        }
        chat().then().statusCode(200);
    }

    @Test
    void requestsRunningThroughRedisWhenItFailsCountAgainstTheInstancesLimits() throws Exception {
        // given: the account's whole concurrency (10) running through Redis
        assertThat(awaitAdmissionsOnRedis()).isPositive();
        backends.get("r").reply(Replies.delayed(8_000, Replies.json(200, Replies.CHAT_COMPLETION)));
        try {
            int before = backends.get("r").requestCount();
            List<CompletableFuture<Response>> inFlight = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                inFlight.add(CompletableFuture.supplyAsync(RedisFailureEndToEnd::chat));
            }
            awaitUntil(() -> backends.get("r").requestCount() == before + 10 && slotsInRedis() == 10);

            // when Redis goes away
            redis.kill();

            // then the instance's own limits count the ten: an eleventh is refused, not admitted beside them
            Response eleventh = chat();
            eleventh.then().statusCode(429).header("x-should-retry", "true")
                    .body("error.code", org.hamcrest.Matchers.equalTo("concurrency_limit_exceeded"));
            assertThat(backends.get("r").requestCount()).isEqualTo(before + 10);
            for (CompletableFuture<Response> request : inFlight) {
                assertThat(request.get(15, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
        } finally {
            backends.resetAll();
        }
        // and their end frees those slots: the instance admits again while Redis is still away
        chat().then().statusCode(200);
    }

    @Test
    void aRedisThatComesBackEmptyIsWarnedAbout() throws Exception {
        // given Redis holds Sluice's version mark (set by the instance's check when absent)
        awaitUntil(() -> {
            try (RespClient client = redis.client()) {
                return client.number("EXISTS", "sluice:{control}:version") == 1;
            }
        });
        try (dev.sluice.testing.ErrorLog log = dev.sluice.testing.ErrorLog.warnings()) {
            // when it restarts without persistence
            redis.kill();
            redis.startProcess();

            // then the instance says what was lost, once it reads Redis again
            awaitUntil(() -> log.lines().stream()
                    .anyMatch(line -> line.contains(dev.sluice.control.RedisControlStore.EMPTIED)));
        }
    }

    private long slotsInRedis() {
        try (RespClient client = redis.client()) {
            return client.number("ZCARD", "sluice:{failover}:inflight");
        }
    }

    private static void awaitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition not met within 5 s").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
