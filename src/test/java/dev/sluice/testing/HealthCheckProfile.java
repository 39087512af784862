package dev.sluice.testing;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.HashMap;
import java.util.Map;

/**
 * Model {@code checked} on backends {@code h1} and {@code h2}, each with an active health check of {@code /health}
 * every 150 ms (down after 2 failures, up after 1 pass; h1 behind a base path and an api key); model {@code lonely} on
 * {@code h3} alone, checked the same way, with fallback {@code refuge} on {@code h4}.
 */
public class HealthCheckProfile implements QuarkusTestProfile {

    @Override
    public java.util.List<TestResourceEntry> testResources() {
        return java.util.List.of(BackendsResource.of("h1", "h2", "h3", "h4", "h5"));
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = new HashMap<>();
        ProxyProfile.keys(config);
        config.put("sluice.accounts.acme.concurrency", "1000");
        ProxyProfile.model(config, "checked", null, "h1", "h2");
        config.put("sluice.models.checked.backends[0].url", BackendsResource.url("h1") + "/base");
        config.put("sluice.models.checked.backends[0].api-key", "bk-h1");
        check(config, "checked", 0);
        check(config, "checked", 1);
        ProxyProfile.model(config, "lonely", null, "h3");
        check(config, "lonely", 0);
        config.put("sluice.models.lonely.fallbacks[0]", "refuge");
        ProxyProfile.model(config, "refuge", null, "h4");
        ProxyProfile.model(config, "chat", null, "h4"); // what the profile's keys name
        ProxyProfile.model(config, "claude", null, "h5");
        config.put("sluice.models.claude.protocol", "anthropic");
        config.put("sluice.models.claude.backends[0].api-key", "bk-h5");
        check(config, "claude", 0);
        return config;
    }

    private static void check(Map<String, String> config, String model, int backend) {
        String prefix = "sluice.models." + model + ".backends[" + backend + "].health-check.";
        config.put(prefix + "interval", "150ms");
        config.put(prefix + "timeout", "150ms");
    }
}
