package dev.sluice.testing;

import java.util.LinkedHashMap;
import java.util.Map;

/** The test backends of one test class: started before its tests, closed after them. */
public final class Backends implements AutoCloseable {

    private final Map<String, TestBackend> byName = new LinkedHashMap<>();

    public static Backends start(String... names) {
        Backends backends = new Backends();
        for (String name : names) {
            backends.byName.put(name, TestBackend.start(name));
        }
        return backends;
    }

    public TestBackend get(String name) {
        TestBackend backend = byName.get(name);
        if (backend == null) {
            throw new IllegalArgumentException("no test backend " + name);
        }
        return backend;
    }

    /** Which of two backends sharing a model served the request: {@code first} when it received any, else the other. */
    public TestBackend servedBy(String first, String second) {
        TestBackend backend = get(first);
        return backend.requestCount() > 0 ? backend : get(second);
    }

    /** Back to a chat completion answer and an empty record, before each test. */
    public void resetAll() {
        byName.values().forEach(TestBackend::reset);
    }

    @Override
    public void close() {
        byName.values().forEach(TestBackend::close);
    }
}
