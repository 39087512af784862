package dev.sluice.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile.TestResourceEntry;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts the test backends a profile names before the proxy starts, each on a free port, and stops them after its
 * tests. The proxy's configuration refers to a backend's URL as {@code ${test.backend.<name>}} ({@link #url}); a
 * test class gets the running backends in its {@link InjectBackends} field.
 */
public class BackendsResource implements QuarkusTestResourceLifecycleManager {

    private static final String NAMES = "names";

    private List<String> names;
    private Backends backends;

    /** The profile's resource entry for backends with these names. */
    public static TestResourceEntry of(String... names) {
        return new TestResourceEntry(BackendsResource.class, Map.of(NAMES, String.join(",", names)));
    }

    /** The backend's URL in the proxy's configuration (an expression the resource's start resolves). */
    public static String url(String name) {
        return "${test.backend." + name + "}";
    }

    @Override
    public void init(Map<String, String> initArgs) {
        names = Arrays.asList(initArgs.get(NAMES).split(","));
    }

    @Override
    public Map<String, String> start() {
        backends = Backends.start(names.toArray(String[]::new));
        Map<String, String> config = new HashMap<>();
        for (String name : names) {
            config.put("test.backend." + name, "http://127.0.0.1:" + backends.get(name).port());
        }
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
