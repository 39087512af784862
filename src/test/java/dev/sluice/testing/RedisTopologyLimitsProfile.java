package dev.sluice.testing;

import java.util.List;
import java.util.Map;

/**
 * {@link ProxyProfile} with the limits in a Redis Cluster ({@link Cluster}) or behind Sentinels ({@link Sentinel}),
 * so that the admission end-to-end suite runs unchanged on each topology (contract §4.4).
 */
public abstract class RedisTopologyLimitsProfile extends ProxyProfile {

    abstract TestResourceEntry topology();

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(BackendsResource.of(BACKENDS), topology());
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = super.getConfigOverrides();
        config.put("sluice.limits.store", "redis");
        // a loaded 2-core test machine must not fall back to local limits
        config.put("sluice.limits.redis-timeout", "2s");
        return config;
    }

    public static class Cluster extends RedisTopologyLimitsProfile {
        @Override
        TestResourceEntry topology() {
            return RedisTopologyResource.cluster();
        }
    }

    public static class Sentinel extends RedisTopologyLimitsProfile {
        @Override
        TestResourceEntry topology() {
            return RedisTopologyResource.sentinel();
        }
    }
}
