package dev.sluice.config;

import io.smallrye.config.source.yaml.YamlConfigSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.microprofile.config.spi.ConfigSource;
import org.eclipse.microprofile.config.spi.ConfigSourceProvider;

/**
 * Reads the YAML file named by the {@code SLUICE_CONFIG} environment variable (or the {@code sluice.config} system
 * property). It ranks above the packaged defaults and below environment variables and system properties, so that
 * {@code SLUICE_…} variables still override single keys.
 */
public class SluiceConfigFile implements ConfigSourceProvider {

    /** Above application.yaml (255), below environment variables (300). */
    static final int ORDINAL = 270;

    /** The file named by {@code SLUICE_CONFIG} (or {@code -Dsluice.config}), or null. */
    public static Path location() {
        String location = System.getProperty("sluice.config", System.getenv("SLUICE_CONFIG"));
        return location == null || location.isBlank() ? null : Path.of(location.trim());
    }

    /**
     * The accounts and plans the file declares with nothing in them ({@code acme: {}} or {@code acme:}): a valid
     * account (or plan) with every limit unlimited (contract §4.2); the backends whose {@code health-check} is
     * declared so, a check with every default; and the models whose {@code hedge} is, refused for want of its
     * {@code after} rather than left without hedging. Configuration sources drop empty maps, so the mapping never sees
     * them; they are read from the file itself.
     */
    public static Declared declaredEmpty(Path path) {
        if (path == null || !Files.isReadable(path)) {
            return Declared.NONE;
        }
        try (java.io.Reader reader = Files.newBufferedReader(path)) {
            return declaredIn(new org.yaml.snakeyaml.Yaml().load(reader));
        } catch (IOException | RuntimeException unreadable) {
            // the configuration source reports a broken file; nothing to add here
            return Declared.NONE;
        }
    }

    /**
     * The accounts and plans declared with nothing in them by any of {@code files}: the SLUICE_CONFIG file and those
     * of {@code quarkus.config.locations}, which the configuration reads alike.
     */
    public static Declared declaredEmpty(List<Path> files) {
        Declared all = Declared.NONE;
        for (Path file : files) {
            all = all.and(declaredEmpty(file));
        }
        return all;
    }

    /**
     * The YAML files the configuration is read from: SLUICE_CONFIG (or {@code -Dsluice.config}) and the regular files
     * of {@code quarkus.config.locations}, as absolute paths, each once.
     */
    public static List<Path> files(org.eclipse.microprofile.config.Config config) {
        List<Path> files = new java.util.ArrayList<>();
        Path sluice = location();
        if (sluice != null) {
            files.add(sluice.toAbsolutePath());
        }
        locations(config).forEach(entry -> {
            Path file = localPath(entry);
            if (file != null && Files.isRegularFile(file) && !files.contains(file)) {
                files.add(file);
            }
        });
        return List.copyOf(files);
    }

    /**
     * Each entry of {@code quarkus.config.locations} naming a file or directory that does not exist: the configuration
     * skips it without a word, so a misspelt path or an unmounted volume would go unnoticed.
     */
    public static List<String> missingLocations(org.eclipse.microprofile.config.Config config) {
        return locations(config).stream().filter(entry -> {
            Path path = localPath(entry);
            return path != null && !Files.exists(path);
        }).toList();
    }

    private static List<String> locations(org.eclipse.microprofile.config.Config config) {
        return config.getOptionalValues("quarkus.config.locations", String.class).orElse(List.of());
    }

    /** The absolute path a location names ({@code file:} or none), or null for another scheme ({@code classpath:}). */
    private static Path localPath(String entry) {
        String path = entry.startsWith("file:") ? entry.substring("file:".length()) : entry;
        return path.contains(":") ? null : Path.of(path).toAbsolutePath();
    }

    /**
     * The first key {@code yaml} gives twice in one mapping, as a problem naming its line; null when there is none (or
     * when the YAML cannot be read at all, which the configuration source reports). The configuration source reads
     * such a file with the last one winning and a warning that names neither the file nor the line:
     * {@code accounts: {solo: …}} copied and changed further down replaced the first without a word.
     */
    public static String duplicateKey(String yaml) {
        try {
            strictYaml().load(yaml);
            return null;
        } catch (org.yaml.snakeyaml.constructor.DuplicateKeyException duplicate) {
            return described(duplicate);
        } catch (RuntimeException unreadable) {
            return null;
        }
    }

    /** A YAML loader that refuses a key given twice in one mapping ({@link #described} says which). */
    public static org.yaml.snakeyaml.Yaml strictYaml() {
        org.yaml.snakeyaml.LoaderOptions strict = new org.yaml.snakeyaml.LoaderOptions();
        strict.setAllowDuplicateKeys(false);
        return new org.yaml.snakeyaml.Yaml(strict);
    }

    /** A key given twice, as a problem naming its line. */
    public static String described(org.yaml.snakeyaml.constructor.DuplicateKeyException duplicate) {
        return duplicate.getProblem() + at(duplicate.getProblemMark())
                + " (a key is given once: the last one would silently win)";
    }

    /** Where in a file a YAML problem is, for a message: {@code " at line 3, column 1"}, or nothing. */
    public static String at(org.yaml.snakeyaml.error.Mark mark) {
        return mark == null ? "" : " at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
    }

    /** {@link #duplicateKey} of each of {@code files}, added to {@code problems} under the file's name. */
    public static void checkDuplicateKeys(List<Path> files, ConfigProblems problems) {
        for (Path file : files) {
            try {
                String problem = duplicateKey(Files.readString(file));
                if (problem != null) {
                    problems.add(file.toString(), problem);
                }
            } catch (IOException | RuntimeException unreadable) {
                // the configuration source reports a file it cannot read
            }
        }
    }

    /** {@link #declaredEmpty(Path)} of a file already loaded as YAML (its root, null when empty). */
    public static Declared declaredIn(Object root) {
        Object sluice = root instanceof java.util.Map<?, ?> map ? map.get("sluice") : null;
        if (!(sluice instanceof java.util.Map<?, ?> group)) {
            return Declared.NONE;
        }
        return new Declared(emptyNames(group.get("accounts")), emptyNames(group.get("plans")),
                emptyHealthChecks(group.get("models")), emptyHedges(group.get("models")));
    }

    /** The models declaring {@code hedge: {}} (or {@code hedge:}): a hedge without its required {@code after}. */
    private static java.util.Set<String> emptyHedges(Object models) {
        java.util.Set<String> names = new java.util.TreeSet<>();
        if (models instanceof java.util.Map<?, ?> byName) {
            byName.forEach((model, definition) -> {
                if (definition instanceof java.util.Map<?, ?> map && map.containsKey("hedge") && isEmpty(map.get("hedge"))) {
                    names.add(String.valueOf(model));
                }
            });
        }
        return names;
    }

    /** {@code model/index} of each backend declaring {@code health-check: {}} (or {@code health-check:}). */
    private static java.util.Set<String> emptyHealthChecks(Object models) {
        java.util.Set<String> backends = new java.util.TreeSet<>();
        if (models instanceof java.util.Map<?, ?> byName) {
            byName.forEach((model, definition) -> {
                if (definition instanceof java.util.Map<?, ?> map && map.get("backends") instanceof List<?> list) {
                    for (int i = 0; i < list.size(); i++) {
                        if (list.get(i) instanceof java.util.Map<?, ?> backend && backend.containsKey("health-check")
                                && isEmpty(backend.get("health-check"))) {
                            backends.add(Declared.backend(String.valueOf(model), i));
                        }
                    }
                }
            });
        }
        return backends;
    }

    private static boolean isEmpty(Object value) {
        return value == null || value instanceof java.util.Map<?, ?> inner && inner.isEmpty();
    }

    private static java.util.Set<String> emptyNames(Object entries) {
        java.util.Set<String> names = new java.util.TreeSet<>();
        if (entries instanceof java.util.Map<?, ?> map) {
            map.forEach((name, value) -> {
                if (isEmpty(value)) {
                    names.add(String.valueOf(name));
                }
            });
        }
        return names;
    }

    /**
     * What is declared with nothing in it: accounts and plans by name, backends' health checks as
     * {@link #backend model/index}, models' hedges by the model's name.
     */
    public record Declared(java.util.Set<String> emptyAccounts, java.util.Set<String> emptyPlans,
            java.util.Set<String> emptyHealthChecks, java.util.Set<String> emptyHedges) {
        public static final Declared NONE = new Declared(java.util.Set.of(), java.util.Set.of(), java.util.Set.of(),
                java.util.Set.of());

        /** How {@link #emptyHealthChecks} names the backend at {@code index} of {@code model}'s list. */
        public static String backend(String model, int index) {
            return model + "/" + index;
        }

        /** What either declares. */
        public Declared and(Declared other) {
            if (other.equals(NONE)) {
                return this;
            }
            return new Declared(union(emptyAccounts, other.emptyAccounts), union(emptyPlans, other.emptyPlans),
                    union(emptyHealthChecks, other.emptyHealthChecks), union(emptyHedges, other.emptyHedges));
        }

        private static java.util.Set<String> union(java.util.Set<String> one, java.util.Set<String> other) {
            java.util.Set<String> all = new java.util.TreeSet<>(one);
            all.addAll(other);
            return all;
        }
    }

    @Override
    public Iterable<ConfigSource> getConfigSources(ClassLoader classLoader) {
        Path path = location();
        if (path == null) {
            return List.of();
        }
        if (!Files.isReadable(path)) {
            throw new IllegalStateException("SLUICE_CONFIG names '" + path + "', which is not a readable file");
        }
        try {
            return List.of(new YamlConfigSource(path.toUri().toURL(), ORDINAL));
        } catch (IOException e) {
            throw new UncheckedIOException("SLUICE_CONFIG file '" + path + "' could not be read", e);
        }
    }
}
