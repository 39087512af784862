package dev.sluice.testing;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.HashMap;
import java.util.Map;

/** A circuit breaker that opens after two failures in four calls and half-opens after 600 ms. */
public class BreakerProfile implements QuarkusTestProfile {

    @Override
    public java.util.List<TestResourceEntry> testResources() {
        return java.util.List.of(BackendsResource.of("m", "n", "o", "p", "q", "r", "s", "t"));
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = new HashMap<>();
        config.put("sluice.upstream.circuit-breaker.request-volume", "4");
        config.put("sluice.upstream.circuit-breaker.failure-ratio", "0.5");
        config.put("sluice.upstream.circuit-breaker.delay", "600ms");
        config.put("sluice.accounts.acme.concurrency", "1000");
        ProxyProfile.keys(config);
        ProxyProfile.model(config, "chat", null, "m");
        ProxyProfile.model(config, "fragile", null, "m");
        ProxyProfile.model(config, "shy", null, "q");
        ProxyProfile.model(config, "pair", null, "n", "o");
        // the fallback of pair is only tried when both of its backends failed or were skipped
        ProxyProfile.model(config, "rescue", null, "p");
        config.put("sluice.models.pair.fallbacks[0]", "rescue");
        ProxyProfile.model(config, "racing", null, "r");
        ProxyProfile.model(config, "racing-rescue", null, "s");
        config.put("sluice.models.racing.fallbacks[0]", "racing-rescue");
        ProxyProfile.model(config, "verdict", null, "t");
        return config;
    }
}
