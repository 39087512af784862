package dev.sluice.config;

import io.quarkus.runtime.configuration.ConfigurationException;
import java.util.ArrayList;
import java.util.List;

/** Collects what is wrong with a configuration, each problem naming its key path, and reports them all at once. */
public final class ConfigProblems {

    private final List<String> problems = new ArrayList<>();

    public void add(String keyPath, String problem) {
        problems.add(keyPath + ": " + problem);
    }

    public List<String> list() {
        return problems;
    }

    /** Stops start-up with one message listing every problem. */
    public void throwIfAny() {
        if (!problems.isEmpty()) {
            throw new ConfigurationException("Invalid Sluice configuration: " + String.join("; ", problems));
        }
    }
}
