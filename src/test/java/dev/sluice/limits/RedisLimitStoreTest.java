package dev.sluice.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.RespClient;
import dev.sluice.testing.TestRedis;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The limit store contract against a real Redis server, plus what only Redis has: keys, round trips, scripts. */
class RedisLimitStoreTest extends LimitStoreContract {

    static TestRedis server;
    static Vertx vertx;
    static Redis client;
    static RedisLimitStore store;

    @BeforeAll
    static void start() {
        server = TestRedis.start();
        vertx = Vertx.vertx();
        client = Redis.createClient(vertx, new RedisOptions().setConnectionString(server.url()).setMaxPoolSize(8)
                .setMaxPoolWaiting(1000));
        store = new RedisLimitStore(client, vertx, 2_000);
    }

    @AfterAll
    static void stop() {
        client.close();
        vertx.close();
        server.close();
    }

    @Override
    LimitStore store() {
        return store;
    }

    @Test
    void admissionIsOneScriptCallOnKeysThatShareTheAccountsHashTag() {
        AccountLimits limits = account(5, 100L, 10.0, 10.0, 1000L, 5.0);
        admit(limits, T0, 10, 10); // loads the script
        try (RespClient redis = server.client()) {
            redis.command("CONFIG", "RESETSTAT");
            admit(limits, T0, 10, 10);
            assertThat(redis.calls("evalsha")).isEqualTo(1);
            assertThat(redis.calls("eval")).isZero();
            @SuppressWarnings("unchecked")
            List<Object> keys = (List<Object>) redis.command("KEYS", "sluice:{" + limits.account() + "}:*");
            assertThat(keys).hasSize(5);
            assertThat((List<Object>) redis.command("KEYS", "*" + limits.account() + "*")).hasSize(5);
        }
    }

    @Test
    void reloadsTheScriptAfterRedisForgotIt() {
        AccountLimits limits = account(5, null, null, null, null, null);
        assertThat(admit(limits, T0).admitted()).isTrue();
        try (RespClient redis = server.client()) {
            redis.command("SCRIPT", "FLUSH");
        }
        assertThat(admit(limits, T0).admitted()).isTrue();
        assertThat(usage(limits, T0).inFlight()).isEqualTo(2);
    }

    @Test
    void keysExpireWithTheirWindows() {
        AccountLimits limits = account(5, 100L, null, null, 1000L, null);
        long now = System.currentTimeMillis();
        admit(limits, now, 10, 0);
        try (RespClient redis = server.client()) {
            long quotaTtl = redis.number("PTTL", RedisLimitStore.Keys.quota(limits.account(), limits.quotaWindowStart(now)));
            assertThat(quotaTtl).isPositive().isLessThanOrEqualTo(3_600_000);
            long leaseTtl = redis.number("PTTL", RedisLimitStore.Keys.inflight(limits.account()));
            assertThat(leaseTtl).isPositive().isLessThanOrEqualTo(LEASE);
            long tokenTtl = redis.number("PTTL", RedisLimitStore.Keys.tokens(limits.account(), AccountLimits.tokenWindowStart(now)));
            assertThat(tokenTtl).isPositive().isLessThanOrEqualTo(120_000);
        }
    }
}
