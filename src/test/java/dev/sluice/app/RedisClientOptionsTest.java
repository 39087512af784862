package dev.sluice.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.InjectRedis;
import dev.sluice.testing.RedisLimitsProfile;
import dev.sluice.testing.RespClient;
import dev.sluice.testing.TestRedis;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import jakarta.inject.Inject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * With {@code store: redis} the application keeps the options Quarkus built its Redis client with, so that the limit
 * store's clients per event loop reach the same Redis, configured alike.
 */
@QuarkusTest
@TestProfile(RedisLimitsProfile.class)
class RedisClientOptionsTest {

    @InjectRedis
    TestRedis redis;

    @Inject
    RedisClientOptions options;

    @Inject
    Vertx vertx;

    @Test
    void aClientMadeFromTheKeptOptionsReachesTheConfiguredRedis() throws Exception {
        Redis made = options.clientFactory(vertx).get();
        assertThat(made).as("Quarkus handed its default client's options to the customizer").isNotNull();
        try {
            made.send(Request.cmd(Command.SET).arg("redis-client-options:probe").arg("same server"))
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            try (RespClient client = redis.client()) {
                assertThat(client.command("GET", "redis-client-options:probe")).hasToString("same server");
            }
        } finally {
            made.close();
        }
    }
}
