package dev.sluice.testing;

import java.util.List;
import java.util.Map;

/** {@link ProxyProfile} with the limits in a real Redis server that {@link RedisResource} starts. */
public class RedisLimitsProfile extends ProxyProfile {

    /** The proxy's log, for tests that check what it tells the operator. */
    public static final java.nio.file.Path LOG = java.nio.file.Path.of("target", "redis-limits-test.log");

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(BackendsResource.of(BACKENDS), RedisResource.entry());
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = super.getConfigOverrides();
        config.put("sluice.limits.store", "redis");
        // a loaded 2-core test machine must not fall back to local limits
        config.put("sluice.limits.redis-timeout", "2s");
        config.put("quarkus.log.file.enabled", "true");
        config.put("quarkus.log.file.path", LOG.toString());
        return config;
    }
}
