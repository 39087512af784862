package dev.sluice.testing;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.HashMap;
import java.util.Map;

/**
 * Limits in a Redis Cluster or behind Sentinels that the test class starts on ports agreed through system properties
 * ({@link TestRedisCluster#ports}, {@link TestRedisSentinel#ports}); one account with a concurrency limit and a quota,
 * over one model served by backend "topology".
 */
public abstract class RedisTopologyProfile implements QuarkusTestProfile {

    public static final String KEY = "sk-topology";
    public static final String ACCOUNT = "topology";

    @Override
    public java.util.List<TestResourceEntry> testResources() {
        return java.util.List.of(BackendsResource.of("topology"));
    }

    /** The Quarkus Redis client's settings for this topology. */
    abstract Map<String, String> redis();

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = new HashMap<>(redis());
        config.put("sluice.limits.store", "redis");
        config.put("sluice.limits.redis-timeout", "2s"); // a loaded 2-core test machine must not fall back to local limits
        config.put("sluice.accounts." + ACCOUNT + ".concurrency", "5");
        config.put("sluice.accounts." + ACCOUNT + ".requests-per-window", "1000");
        config.put("sluice.keys[0].key", KEY);
        config.put("sluice.keys[0].account", ACCOUNT);
        config.put("sluice.models.chat.backends[0].name", "topology");
        config.put("sluice.models.chat.backends[0].url", BackendsResource.url("topology"));
        config.put("sluice.upstream.idle-timeout", "5s");
        return config;
    }

    /** {@code quarkus.redis.client-type: cluster}, the hosts three masters. */
    public static class Cluster extends RedisTopologyProfile {
        @Override
        Map<String, String> redis() {
            return Map.of("quarkus.redis.client-type", "cluster",
                    "quarkus.redis.hosts", TestRedisCluster.hosts(TestRedisCluster.ports("e2e")));
        }
    }

    /** {@code quarkus.redis.client-type: sentinel}, the hosts three sentinels. */
    public static class Sentinel extends RedisTopologyProfile {
        @Override
        Map<String, String> redis() {
            return Map.of("quarkus.redis.client-type", "sentinel",
                    "quarkus.redis.hosts", TestRedisSentinel.hosts(TestRedisSentinel.ports("e2e-sentinel")),
                    "quarkus.redis.master-name", TestRedisSentinel.MASTER_NAME);
        }
    }
}
