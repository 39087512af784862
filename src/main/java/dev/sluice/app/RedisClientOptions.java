package dev.sluice.app;

import io.quarkus.redis.client.RedisOptionsCustomizer;
import io.quarkus.redis.runtime.client.VertxRedisClientFactory;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import jakarta.inject.Singleton;
import java.util.function.Supplier;

/**
 * Keeps a copy of the options Quarkus builds for its default Redis client ({@code quarkus.redis.*}: hosts, client type,
 * Sentinel master, password, TLS, pool), so that the limit store can open more clients configured exactly alike: one
 * per event loop, since a Vert.x Redis client's connections all live on the event loop it was created on.
 *
 * <p>Quarkus hands the options to every {@link RedisOptionsCustomizer} bean just before it creates the client; this one
 * changes nothing.
 */
@Singleton
public class RedisClientOptions implements RedisOptionsCustomizer {

    private volatile RedisOptions defaultClient;

    @Override
    public void customize(String clientName, RedisOptions options) {
        if (VertxRedisClientFactory.DEFAULT_CLIENT.equals(clientName)) {
            defaultClient = new RedisOptions(options);
        }
    }

    /**
     * Makes new clients with the default client's options; each call answers null while Quarkus has not created the
     * default client (it does so lazily, at its first use), and callers then use that one client.
     */
    Supplier<Redis> clientFactory(Vertx vertx) {
        return () -> {
            RedisOptions options = defaultClient;
            return options == null ? null : Redis.createClient(vertx, new RedisOptions(options));
        };
    }
}
