package dev.sluice.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.HashMap;
import java.util.Map;

/**
 * The configuration of the packaged jar that Quarkus' integration-test launcher starts: one model {@code chat} over
 * one {@link TestBackend} started here, one key, both ports on loopback. Quarkus passes what {@link #start} returns to
 * the jar as system properties (an integration test cannot use a test profile without losing the AOT training run);
 * the test class gets the running backend in its {@link InjectBackends} field.
 */
public class PackagedProxyResource implements QuarkusTestResourceLifecycleManager {

    public static final String KEY = "sk-packaged-acme";
    public static final String BACKEND = "packaged";
    private static final String MANAGEMENT = "packaged-management";

    private Backends backends;

    /** The management interface's port (health and metrics) of the launched jar. */
    public static int managementPort() {
        return TestPorts.of(MANAGEMENT);
    }

    @Override
    public Map<String, String> start() {
        backends = Backends.start(BACKEND);
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.http.host", "127.0.0.1");
        config.put("quarkus.management.host", "127.0.0.1");
        config.put("quarkus.management.port", Integer.toString(managementPort()));
        config.put("sluice.accounts.acme.concurrency", "100");
        config.put("sluice.keys[0].key", KEY);
        config.put("sluice.keys[0].account", "acme");
        config.put("sluice.models.chat.backends[0].name", BACKEND);
        config.put("sluice.models.chat.backends[0].url", "http://127.0.0.1:" + backends.get(BACKEND).port());
        return config;
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(backends,
                new TestInjector.AnnotatedAndMatchesType(InjectBackends.class, Backends.class));
    }

    @Override
    public void stop() {
        if (backends != null) {
            backends.close();
        }
    }
}
