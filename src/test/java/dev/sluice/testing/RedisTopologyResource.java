package dev.sluice.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile.TestResourceEntry;
import java.util.Map;

/**
 * Starts a real Redis Cluster (three masters) or a Sentinel set-up (primary, replica, three sentinels) before the
 * proxy starts and points the Quarkus Redis client at it ({@code quarkus.redis.client-type}); stops it after the
 * profile's tests.
 */
public class RedisTopologyResource implements QuarkusTestResourceLifecycleManager {

    private static final String TOPOLOGY = "topology";

    private TestRedisCluster cluster;
    private TestRedisSentinel sentinels;
    private String topology;

    public static TestResourceEntry cluster() {
        return new TestResourceEntry(RedisTopologyResource.class, Map.of(TOPOLOGY, "cluster"));
    }

    public static TestResourceEntry sentinel() {
        return new TestResourceEntry(RedisTopologyResource.class, Map.of(TOPOLOGY, "sentinel"));
    }

    @Override
    public void init(Map<String, String> initArgs) {
        topology = initArgs.get(TOPOLOGY);
    }

    @Override
    public Map<String, String> start() {
        if ("cluster".equals(topology)) {
            cluster = TestRedisCluster.start();
            return Map.of("quarkus.redis.client-type", "cluster", "quarkus.redis.hosts", cluster.hosts());
        }
        sentinels = TestRedisSentinel.start();
        return Map.of("quarkus.redis.client-type", "sentinel", "quarkus.redis.hosts", sentinels.hosts(),
                "quarkus.redis.master-name", TestRedisSentinel.MASTER_NAME);
    }

    @Override
    public void stop() {
        if (cluster != null) {
            cluster.close();
        }
        if (sentinels != null) {
            sentinels.close();
        }
    }
}
