package dev.sluice.testing;

import java.util.Map;

/** {@link LimitsProfile} with the limits in a Redis server the test starts on the port named "limits-redis". */
public class RedisLimitsProfile extends LimitsProfile {

    @Override
    protected Map<String, String> store() {
        return Map.of("sluice.limits.store", "redis",
                "sluice.limits.redis-timeout", "2s", // a loaded 2-core test machine must not fall back to local limits
                "quarkus.redis.hosts", "redis://127.0.0.1:" + TestPorts.of("limits-redis"));
    }
}
