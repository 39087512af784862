package dev.sluice.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The configuration of the packaged jar that Quarkus' integration-test launcher starts: one model {@code chat} over
 * one {@link TestBackend} started here, one key, both ports on loopback. Quarkus passes what {@link #start} returns to
 * the jar as system properties (an integration test cannot use a test profile without losing the AOT training run);
 * the test class gets the running backend in its {@link InjectBackends} field.
 *
 * <p>Sluice's own part is a YAML file named by {@code sluice.config}, as users configure it (the chart mounts one):
 * with {@code -Paot} this run trains the JVM's AOT cache, and a start that reads a file the training never read loads
 * the YAML parser's 150 classes from the jars instead of the cache.
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
        config.put("sluice.config", writeConfigFile(backends.get(BACKEND).port()).toString());
        return config;
    }

    private static Path writeConfigFile(int backendPort) {
        String yaml = """
                sluice:
                  accounts:
                    acme: {concurrency: 100}
                  keys:
                    - {key: %s, account: acme}
                  models:
                    chat:
                      backends:
                        - {name: %s, url: "http://127.0.0.1:%d"}
                """.formatted(KEY, BACKEND, backendPort);
        try {
            Path file = Files.createTempFile("sluice-packaged-", ".yaml");
            file.toFile().deleteOnExit();
            return Files.writeString(file, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
