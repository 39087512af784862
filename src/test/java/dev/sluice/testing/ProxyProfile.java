package dev.sluice.testing;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.HashMap;
import java.util.Map;

/**
 * The proxy configuration most end-to-end tests share: models over {@link TestBackend}s on ports from
 * {@link TestPorts}, short timeouts, and a circuit breaker too lenient to open during tests (a test of the breaker
 * has its own profile).
 */
public class ProxyProfile implements QuarkusTestProfile {

    public static final String KEY = "sk-test-acme";
    public static final String OPENAI_ONLY_KEY = "sk-test-openai-only";
    public static final String ANTHROPIC_ONLY_KEY = "sk-test-anthropic-only";
    public static final String LIMITED_KEY = "sk-test-limited";

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = new HashMap<>();
        config.put("sluice.upstream.connect-timeout", "500ms");
        config.put("sluice.upstream.first-byte-timeout", "400ms");
        config.put("sluice.upstream.idle-timeout", "400ms");
        config.put("sluice.upstream.circuit-breaker.request-volume", "1000000");
        config.put("sluice.max-body-size", "64K");
        // short, so that the slow-client tests (HostileInputTest) are quick; no other test sends a request slowly
        config.put("sluice.client-timeout", "2s");

        config.put("sluice.accounts.acme.concurrency", "1000");
        keys(config);

        // two backends, the model known upstream by another name
        model(config, "chat", "upstream/chat-1", "a", "b");
        // a backend behind a path prefix, with its own key
        config.put("sluice.models.prefixed.backends[0].name", "c");
        config.put("sluice.models.prefixed.backends[0].url", TestPorts.url("c") + "/gw/openai/");
        config.put("sluice.models.prefixed.backends[0].api-key", "backend-secret-c");
        // an Anthropic model
        config.put("sluice.models.claude.protocol", "anthropic");
        config.put("sluice.models.claude.backends[0].name", "d");
        config.put("sluice.models.claude.backends[0].url", TestPorts.url("d"));
        config.put("sluice.models.claude.backends[0].api-key", "backend-secret-d");
        // fallbacks
        model(config, "primary", null, "e");
        config.put("sluice.models.primary.fallbacks[0]", "secondary");
        model(config, "secondary", "secondary-upstream", "f");
        // nothing listens on g's port
        model(config, "unreachable", null, "g");
        // one backend down, one up
        model(config, "halfdead", null, "g2", "k");
        // three backends, timeouts retried
        model(config, "patient", null, "h", "i", "j");
        config.put("sluice.models.patient.upstream.retry-on-timeout", "true");
        config.put("sluice.models.patient.upstream.retries", "1");
        // models with context windows and unsupported parameters, for the request checks
        ValidationModels.configure(config);
        return config;
    }

    static void keys(Map<String, String> config) {
        config.put("sluice.keys[0].key", KEY);
        config.put("sluice.keys[0].account", "acme");
        config.put("sluice.keys[1].key", OPENAI_ONLY_KEY);
        config.put("sluice.keys[1].account", "acme");
        config.put("sluice.keys[1].protocols[0]", "openai");
        config.put("sluice.keys[2].key", ANTHROPIC_ONLY_KEY);
        config.put("sluice.keys[2].account", "acme");
        config.put("sluice.keys[2].protocols[0]", "anthropic");
        config.put("sluice.keys[3].key", LIMITED_KEY);
        config.put("sluice.keys[3].account", "acme");
        config.put("sluice.keys[3].models[0]", "chat");
    }

    static void model(Map<String, String> config, String model, String upstreamModel, String... backends) {
        if (upstreamModel != null) {
            config.put("sluice.models." + model + ".upstream-model", upstreamModel);
        }
        for (int i = 0; i < backends.length; i++) {
            config.put("sluice.models." + model + ".backends[" + i + "].name", backends[i]);
            config.put("sluice.models." + model + ".backends[" + i + "].url", TestPorts.url(backends[i]));
        }
    }
}
