package dev.sluice.limits;

import static dev.sluice.testing.Api.openai;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.Api;
import dev.sluice.testing.Backends;
import dev.sluice.testing.ErrorLog;
import dev.sluice.testing.InjectBackends;
import dev.sluice.testing.RedisTopologyProfile;
import dev.sluice.testing.Replies;
import dev.sluice.testing.RespClient;
import dev.sluice.testing.TestRedisSentinel;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The proxy with {@code quarkus.redis.client-type: sentinel}: a stream in flight while its primary crashes and the
 * sentinels fail over ends normally, its slot is freed on the new primary, and admission is back on Redis.
 */
@QuarkusTest
@TestProfile(RedisTopologyProfile.Sentinel.class)
class SentinelAdmissionTest {

    static final String CHAT = Api.chat("chat");
    static final String STREAM = "{\"model\":\"chat\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    static final String INFLIGHT = "sluice:{" + RedisTopologyProfile.ACCOUNT + "}:inflight";

    static TestRedisSentinel sentinels;
    @InjectBackends
    Backends backends;

    @BeforeAll
    static void start() {
        sentinels = TestRedisSentinel.start(TestRedisSentinel.ports("e2e-sentinel"));
    }

    @AfterAll
    static void stop() {
        sentinels.close();
    }

    static long onPrimary(String... command) {
        try (RespClient primary = sentinels.client(sentinels.primaryPort())) {
            return primary.number(command);
        }
    }

    static String quotaKey() {
        return "sluice:{" + RedisTopologyProfile.ACCOUNT + "}:q:" + System.currentTimeMillis() / 3_600_000 * 3_600_000;
    }

    @Test
    void aStreamInFlightAcrossAFailoverEndsAndFreesItsSlotOnTheNewPrimary() throws Exception {
        try (ErrorLog errors = ErrorLog.open()) {
            streamAcrossAFailover();
            // the failover is handled (and the outage reported once at WARN): no ERROR from the Redis client
            assertThat(errors.lines()).isEmpty();
        }
    }

    private void streamAcrossAFailover() throws Exception {
        // given: a stream of about three seconds holding a slot on the primary
        openai(RedisTopologyProfile.KEY).body(CHAT).post("/v1/chat/completions").then().statusCode(200);
        backends.get("topology").reply(Replies.sse(15, 200));
        CompletableFuture<Response> stream = CompletableFuture.supplyAsync(
                () -> openai(RedisTopologyProfile.KEY).body(STREAM).post("/v1/chat/completions"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (onPrimary("ZCARD", INFLIGHT) != 1 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(onPrimary("ZCARD", INFLIGHT)).isEqualTo(1);

        // when: the primary crashes mid-stream and the sentinels fail over
        int old = sentinels.killPrimary();
        int primary = sentinels.awaitNewPrimary(old, 30_000);

        // then: the stream ended as it would have, and its slot is free on the new primary (its release, sent during
        // the outage or after it, reached the new primary)
        Response streamed = stream.get(30, TimeUnit.SECONDS);
        assertThat(streamed.statusCode()).isEqualTo(200);
        assertThat(streamed.asString()).contains("tok14").endsWith("data: [DONE]\n\n");
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (onPrimary("ZCARD", INFLIGHT) != 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(onPrimary("ZCARD", INFLIGHT)).isZero();

        // and within 5 s a request is admitted on the new primary, with the counts the old one had
        backends.get("topology").reply(Replies.json(200, Replies.CHAT_COMPLETION));
        long counted = onPrimary("GET", quotaKey());
        assertThat(counted).isEqualTo(2);
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (onPrimary("GET", quotaKey()) == counted && System.nanoTime() < deadline) {
            openai(RedisTopologyProfile.KEY).body(CHAT).post("/v1/chat/completions").then().statusCode(200);
            Thread.sleep(100);
        }
        assertThat(onPrimary("GET", quotaKey())).isGreaterThan(counted);
        assertThat(sentinels.primaryPort()).isEqualTo(primary);
    }
}
