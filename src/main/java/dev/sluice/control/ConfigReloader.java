package dev.sluice.control;

import dev.sluice.config.ConfigProblems;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.SluiceConfigFile;
import dev.sluice.cors.CorsPolicy;
import dev.sluice.limits.Admission;
import dev.sluice.routing.Backend;
import dev.sluice.routing.Catalog;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.source.yaml.YamlConfigSource;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.eclipse.microprofile.config.spi.ConfigSource;
import org.jboss.logging.Logger;

/**
 * Configuration reload (contract §10.2). Every {@code sluice.reload.interval} (2 s), on a worker thread, the files the
 * configuration was read from ({@code SLUICE_CONFIG}, and the files of {@code quarkus.config.locations}: the chart's
 * keys.yaml) are read again and compared with what was last applied. Reading the file through its path follows a
 * symlink as it is now, so a Kubernetes ConfigMap update (a new directory, then the {@code ..data} symlink swapped)
 * is seen like an edit, with no file-system events to rely on.
 *
 * <p>A changed file is applied whole or not at all: the configuration is built again from the same sources with the
 * new file in place of the old (so environment variables still override it), validated as at start-up, and only then
 * replaces the keys, accounts, plans, models and upstream settings of new requests ({@link ControlPlane#file}).
 * Requests under way keep the {@link Generation} they started with. An invalid file is refused, its problems logged
 * with their key paths and counted in {@code sluice_config_reloads_total{result="rejected"}}; settings that need a
 * restart (ports, Redis, {@code limits.store}, …) are logged as ignored until then.
 */
public final class ConfigReloader {

    private static final Logger LOGGER = Logger.getLogger(ConfigReloader.class);
    /** A watched file's root when its bytes are refused as YAML: what follows the file's name in the refusal. */
    private record Unreadable(String problem) {
    }

    /**
     * Settings under {@code upstream} that belong to the connection pool and its clients, built once: the trust of
     * the verifying client ({@code tls.ca-file}) among them, which a reload used to check and then not apply.
     */
    private static final Set<String> POOL_SETTINGS = Set.of("sluice.upstream.max-connections",
            "sluice.upstream.max-connecting", "sluice.upstream.keep-alive-timeout", "sluice.upstream.retry-budget",
            "sluice.upstream.tls.ca-file");

    private final Vertx vertx;
    private final ControlPlane control;
    private final ControlMetrics metrics;
    private final UnaryOperator<SluiceConfig> effective;
    private final Catalog.BreakerFactory breakers;
    private final long intervalMillis;
    private final SmallRyeConfig base;
    private final List<Path> files;
    private final AtomicBoolean checking = new AtomicBoolean();
    private byte[][] seen;
    /** Checks in a row that found a watched file unreadable. */
    private int unreadableChecks;
    /**
     * The configuration the process started with, which restart-only settings keep until a restart; null until the
     * files first change, when it is built from their first bytes. Compared with each change, not with the last
     * one, so that a setting put back as it was is no longer reported.
     */
    private SmallRyeConfig started;
    private long timer = -1;

    /**
     * @param base the configuration the application started with (its sources are reused)
     * @param effective what is served for a configuration (the demo's models when it has none)
     */
    public ConfigReloader(Vertx vertx, ControlPlane control, ControlMetrics metrics, SmallRyeConfig base,
            UnaryOperator<SluiceConfig> effective, Catalog.BreakerFactory breakers, Duration interval) {
        this.vertx = vertx;
        this.control = control;
        this.metrics = metrics;
        this.base = base;
        this.effective = effective;
        this.breakers = breakers;
        this.intervalMillis = Math.max(10, interval.toMillis());
        this.files = SluiceConfigFile.files(base);
    }

    public void start() {
        if (files.isEmpty()) {
            LOGGER.debug("No configuration file to watch (SLUICE_CONFIG is not set)");
            return;
        }
        byte[][] initial = read();
        if (initial == null) {
            return;
        }
        // the configuration these bytes make is built at the first change, on a worker thread, not during start-up
        seen = initial;
        timer = vertx.setPeriodic(intervalMillis, id -> {
            if (checking.compareAndSet(false, true)) {
                vertx.executeBlocking(() -> {
                    check();
                    return null;
                }, false).onComplete(done -> checking.set(false));
            }
        });
        LOGGER.infof("Watching %s for configuration changes every %d ms", files, intervalMillis);
    }

    public void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** Compares the files with what was last seen, and applies or refuses them when they changed. Worker thread. */
    void check() {
        byte[][] now = read();
        if (now == null || Arrays.deepEquals(now, seen)) {
            return;
        }
        if (started == null) {
            started = startedWith(seen);
        }
        seen = now;
        Object[] roots = yamlRoots(now);
        String unreadable = unreadableFile(roots);
        if (unreadable != null) {
            reject(unreadable);
            return;
        }
        String empty = emptyFile(roots);
        if (empty != null) {
            reject(empty);
            return;
        }
        SmallRyeConfig fresh;
        FileSetup setup;
        ConfigProblems problems = new ConfigProblems();
        try {
            fresh = build(now);
            SluiceConfig config = fresh.getConfigMapping(SluiceConfig.class);
            setup = FileSetup.build(config, effective.apply(config),
                    declaredEmpty(roots), problems, breakers, control.generation().catalog());
            Admission.check(config.limits(), config.controlPlaneRate(), problems);
            CorsPolicy.check(config.cors(), problems); // applied at restart only, but refused now rather than then
            checkPlansOfRuntimeAccounts(setup, control.generation().runtime(), problems);
        } catch (RuntimeException invalid) {
            reject(ConfigProblems.describe(invalid));
            return;
        }
        if (!problems.list().isEmpty()) {
            reject(String.join("; ", problems.list()));
            return;
        }
        Set<String> ignored = restartOnlyChanges(started, fresh);
        if (!ignored.isEmpty()) {
            LOGGER.warnf("Configuration reload: %s changed; ignored until restart", String.join(", ", ignored));
        }
        warnOfNewInsecureBackends(control.generation().catalog(), setup.catalog());
        noteBackendsNoLongerDown(control.generation().catalog(), setup.catalog());
        control.file(setup);
        metrics.reloaded("applied");
        LOGGER.infof("Configuration reloaded from %s: %d models, generation %d", files, setup.catalog().models().size(),
                control.generation().number());
    }

    /**
     * A plan the admin API's accounts still name may not go: the file would leave them without the limits they were
     * given (an account of the file naming an unknown plan is refused the same way).
     */
    static void checkPlansOfRuntimeAccounts(FileSetup setup, RuntimeState runtime, ConfigProblems problems) {
        java.util.TreeMap<String, java.util.List<String>> usersByPlan = new java.util.TreeMap<>();
        runtime.accounts().forEach((name, account) -> account.plan()
                .filter(plan -> !setup.plans().containsKey(plan))
                .ifPresent(plan -> usersByPlan.computeIfAbsent(plan, p -> new java.util.ArrayList<>()).add(name)));
        usersByPlan.forEach((plan, accounts) -> problems.add("sluice.plans." + plan,
                "is removed, but accounts of the admin API use it (" + String.join(", ", accounts.stream().sorted().toList())
                        + "); give them another plan first"));
    }

    /**
     * A problem when a watched file holds no YAML at all, or the SLUICE_CONFIG file nothing under {@code sluice:}:
     * a file caught half-written (an editor that truncates, then writes) would otherwise take every key and model
     * away at once. Null when each holds something.
     */
    private String emptyFile(Object[] roots) {
        int sluiceFile = sluiceFileIndex();
        for (int i = 0; i < files.size(); i++) {
            Object root = roots[i];
            if (root instanceof Unreadable) {
                continue; // reported as such
            }
            if (root == null) {
                return files.get(i) + " is empty";
            }
            // sluice: {} too: at start-up it gives the demo, as no file does; applied, it took every key and model away
            if (i == sluiceFile && !(root instanceof java.util.Map<?, ?> map
                    && map.get("sluice") instanceof java.util.Map<?, ?> sluice && !sluice.isEmpty())) {
                return files.get(i) + " declares nothing under sluice:";
            }
        }
        return null;
    }

    /**
     * The accounts and plans declared {@code {}} in the very bytes being applied (not in a later read of the files),
     * by any watched file.
     */
    private static SluiceConfigFile.Declared declaredEmpty(Object[] roots) {
        SluiceConfigFile.Declared all = SluiceConfigFile.Declared.NONE;
        for (Object root : roots) {
            if (!(root instanceof Unreadable)) {
                all = all.and(SluiceConfigFile.declaredIn(root));
            }
        }
        return all;
    }

    /** Each watched file loaded once as YAML: its root (null for an empty file), or {@link Unreadable}. */
    private Object[] yamlRoots(byte[][] contents) {
        Object[] roots = new Object[contents.length];
        for (int i = 0; i < contents.length; i++) {
            try {
                // strict: a key given twice is refused here, in the one parse of the file
                roots[i] = SluiceConfigFile.strictYaml().load(new String(contents[i], StandardCharsets.UTF_8));
            } catch (org.yaml.snakeyaml.constructor.DuplicateKeyException duplicate) {
                roots[i] = new Unreadable(": " + SluiceConfigFile.described(duplicate));
            } catch (org.yaml.snakeyaml.error.MarkedYAMLException unreadable) {
                // the parser's own message says "in 'reader'" and quotes the line: the file is named here instead
                roots[i] = new Unreadable(" is not YAML: " + unreadable.getProblem()
                        + SluiceConfigFile.at(unreadable.getProblemMark()) + (unreadable.getContext() == null ? ""
                                : " (" + unreadable.getContext() + SluiceConfigFile.at(unreadable.getContextMark()) + ")"));
            } catch (RuntimeException unreadable) {
                roots[i] = new Unreadable(" is not YAML: " + unreadable.getMessage());
            }
        }
        return roots;
    }

    /**
     * The first watched file refused as YAML (not YAML, or a key given twice), as a problem naming it and where; null
     * when every one is read.
     */
    private String unreadableFile(Object[] roots) {
        for (int i = 0; i < roots.length; i++) {
            if (roots[i] instanceof Unreadable unreadable) {
                return files.get(i) + unreadable.problem();
            }
        }
        return null;
    }

    /** Which watched file is the SLUICE_CONFIG file, or -1. */
    private int sluiceFileIndex() {
        Path sluiceFile = SluiceConfigFile.location() == null ? null : SluiceConfigFile.location().toAbsolutePath();
        return sluiceFile == null ? -1 : files.indexOf(sluiceFile);
    }

    /** A backend the reload makes {@code tls.insecure} is warned about, as one is at start-up. */
    private static void warnOfNewInsecureBackends(Catalog before, Catalog after) {
        Set<String> known = new java.util.HashSet<>();
        before.backends().stream().filter(Backend::insecureTls).forEach(backend -> known.add(backend.insecureWarning()));
        after.backends().stream().filter(Backend::insecureTls).map(Backend::insecureWarning)
                .filter(warning -> !known.contains(warning)).forEach(LOGGER::warn);
    }

    /**
     * A backend its health check had marked down that the reload serves again (its check removed, or its URL
     * changed) is logged, as a check that passes again is.
     */
    private static void noteBackendsNoLongerDown(Catalog before, Catalog after) {
        Set<String> down = new java.util.HashSet<>();
        before.backends().stream().filter(backend -> !backend.healthy())
                .forEach(backend -> down.add(backend.model() + "/" + backend.name()));
        after.backends().stream().filter(backend -> backend.healthy() && down.contains(backend.model() + "/" + backend.name()))
                .forEach(backend -> LOGGER.infof("Backend %s of model %s is served again: the reload %s", backend.name(),
                        backend.model(), backend.probe() == null ? "removed its health check" : "changed its URL"));
    }

    /** The configuration of the files' bytes read at start, to tell which settings a change would need a restart for. */
    private SmallRyeConfig startedWith(byte[][] contents) {
        try {
            return build(contents);
        } catch (RuntimeException e) {
            return base;
        }
    }

    private void reject(String problems) {
        metrics.reloaded("rejected");
        LOGGER.errorf("Configuration reload refused, the running configuration stays: %s", problems);
    }

    /**
     * Every watched file's bytes, or null when one cannot be read right now: tried again at the next check. A file
     * being replaced is unreadable for an instant; one still unreadable at the next check (deleted, its permissions
     * changed) is warned about once, and its return noted.
     */
    private byte[][] read() {
        byte[][] contents = new byte[files.size()][];
        for (int i = 0; i < files.size(); i++) {
            try {
                contents[i] = Files.readAllBytes(files.get(i));
            } catch (IOException e) {
                String why = e instanceof java.nio.file.NoSuchFileException ? "it is gone" : e.toString();
                if (++unreadableChecks == 2) {
                    LOGGER.warnf("Configuration file %s cannot be read (%s): the running configuration stays, and "
                            + "changes are applied again once it can be", files.get(i), why);
                } else {
                    LOGGER.debugf("Configuration file %s unreadable for now: %s", files.get(i), why);
                }
                return null;
            }
        }
        if (unreadableChecks >= 2) {
            LOGGER.infof("Configuration files %s can be read again", files);
        }
        unreadableChecks = 0;
        return contents;
    }

    /** Warns of each {@code quarkus.config.locations} entry that names nothing: it is neither read nor watched. */
    public static void warnOfMissingLocations(org.eclipse.microprofile.config.Config config) {
        SluiceConfigFile.missingLocations(config).forEach(location -> LOGGER.warnf("quarkus.config.locations names %s, "
                + "which does not exist: nothing is read from it, nor watched (a restart reads it once it does)", location));
    }

    /** Quarkus' source of values the running process registered, such as the HTTP port it bound. */
    private static final String RUNTIME_VALUES = "ValueRegistryConfigSource";

    /** The application's configuration sources, with each watched file's source read from {@code contents}. */
    private SmallRyeConfig build(byte[][] contents) {
        List<ConfigSource> sources = new ArrayList<>();
        for (ConfigSource source : base.getConfigSources()) {
            if (RUNTIME_VALUES.equals(source.getName())) {
                // what the running process registered (the port it bound, above every file): it would hide a change
                // of quarkus.http.port from the restart-only check
                continue;
            }
            int watched = watchedIndex(source);
            if (watched < 0) {
                sources.add(source);
            } else {
                sources.add(new YamlConfigSource(source.getName(),
                        new String(contents[watched], StandardCharsets.UTF_8), source.getOrdinal()));
            }
        }
        return new SmallRyeConfigBuilder().withSources(sources).addDefaultInterceptors()
                .withInterceptors(new dev.sluice.config.EmptyListsInterceptor())
                .withProfiles(base.getProfiles()).withMapping(SluiceConfig.class).withValidateUnknown(true)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                .withConverter(Boolean.class, 200, new dev.sluice.config.StrictBooleanConverter())
                .build();
    }

    private int watchedIndex(ConfigSource source) {
        String name = source.getName();
        if (name == null) {
            return -1;
        }
        for (int i = 0; i < files.size(); i++) {
            if (name.contains(files.get(i).toString() + "]") || name.endsWith(files.get(i).toString())) {
                return i;
            }
        }
        return -1;
    }

    /** The names (never the values: some hold credentials) of changed settings that a reload does not apply. */
    static Set<String> restartOnlyChanges(SmallRyeConfig before, SmallRyeConfig after) {
        Set<String> names = new TreeSet<>();
        before.getPropertyNames().forEach(names::add);
        after.getPropertyNames().forEach(names::add);
        Set<String> changed = new TreeSet<>();
        for (String name : names) {
            if (restartOnly(name) && !Objects.equals(before.getConfigValue(name).getValue(),
                    after.getConfigValue(name).getValue())) {
                // a list is read both whole and by index (sluice.cors.origins, sluice.cors.origins[0]): named once
                int index = name.indexOf('[');
                changed.add(index < 0 ? name : name.substring(0, index));
            }
        }
        return changed;
    }

    private static boolean restartOnly(String name) {
        if (name.startsWith("quarkus.http.") || name.startsWith("quarkus.management.")
                || name.startsWith("quarkus.redis.")) {
            return true;
        }
        if (!name.startsWith("sluice.")) {
            return false;
        }
        boolean reloaded = name.startsWith("sluice.keys[") || name.startsWith("sluice.accounts.")
                || name.startsWith("sluice.plans.") || name.startsWith("sluice.models.")
                || name.startsWith("sluice.admin.keys") || (name.startsWith("sluice.upstream.")
                        && !POOL_SETTINGS.contains(name));
        return !reloaded;
    }
}
