package dev.sluice.testing;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.HashMap;
import java.util.Map;

/** Limits in Redis with a given {@code redis-failure} policy and a short timeout; one account with a quota. */
public abstract class RedisFailureProfile implements QuarkusTestProfile {

    public static final String KEY = "sk-failover";

    abstract String policy();

    @Override
    public java.util.List<TestResourceEntry> testResources() {
        return java.util.List.of(BackendsResource.of("r"), RedisResource.entry());
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = new HashMap<>();
        config.put("sluice.limits.store", "redis");
        config.put("sluice.limits.redis-failure", policy());
        // short, so that an outage is decided at once, yet above what a healthy Redis takes on a loaded test machine:
        // with 100 ms, a Redis just thawed answered one admission late and the closed policy refused it
        config.put("sluice.limits.redis-timeout", "250ms");
        config.put("sluice.accounts.failover.requests-per-window", "1000");
        config.put("sluice.accounts.failover.concurrency", "10");
        config.put("sluice.keys[0].key", KEY);
        config.put("sluice.keys[0].account", "failover");
        config.put("sluice.models.chat.backends[0].name", "r");
        config.put("sluice.models.chat.backends[0].url", BackendsResource.url("r"));
        return config;
    }

    public static class Local extends RedisFailureProfile {
        @Override
        String policy() {
            return "local";
        }
    }

    public static class Open extends RedisFailureProfile {
        @Override
        String policy() {
            return "open";
        }
    }

    public static class Closed extends RedisFailureProfile {
        @Override
        String policy() {
            return "closed";
        }
    }
}
