package dev.sluice.routing;

import dev.sluice.config.ConfigProblems;
import dev.sluice.config.Durations;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.SluiceConfigFile;
import dev.sluice.config.CaBundle;
import io.smallrye.faulttolerance.api.Guard;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The models Sluice serves, built once from {@code sluice.models} and {@code sluice.upstream}, validated as it is
 * built. Immutable after construction; the backends inside keep live state.
 */
public final class Catalog {

    private final Map<String, ModelRoute> models;
    private final List<Backend> backends;

    private Catalog(Map<String, ModelRoute> models) {
        this.models = models;
        List<Backend> all = new ArrayList<>();
        models.values().forEach(model -> all.addAll(model.backends()));
        this.backends = List.copyOf(all);
    }

    /** The model clients call by this name, or null. */
    public ModelRoute model(String name) {
        return name == null ? null : models.get(name);
    }

    /**
     * Every model, by name in ascending order: what {@code /v1/models} and {@code available_models} list. (The
     * configuration's map keeps no order of the file's.)
     */
    public Collection<ModelRoute> models() {
        return models.values();
    }

    public List<Backend> backends() {
        return backends;
    }

    /** Makes the circuit breaker of one backend. */
    @FunctionalInterface
    public interface BreakerFactory {
        Guard create(Backend backend, SluiceConfig.CircuitBreaker config);
    }

    /**
     * Builds the catalogue from configuration, adding the problems it finds to {@code problems} (key paths named),
     * with one circuit breaker per backend.
     */
    public static Catalog build(Map<String, SluiceConfig.Model> modelConfigs, SluiceConfig.Upstream upstream,
            ConfigProblems problems, BreakerFactory breakers) {
        return build(modelConfigs, upstream, problems, breakers, null);
    }

    /**
     * As {@link #build(Map, SluiceConfig.Upstream, ConfigProblems, BreakerFactory)}, for a reload: a backend of
     * {@code previous} that the configuration still describes the same way is kept as it is (an open breaker stays
     * open); only new and changed backends get a new, closed breaker.
     */
    public static Catalog build(Map<String, SluiceConfig.Model> modelConfigs, SluiceConfig.Upstream upstream,
            ConfigProblems problems, BreakerFactory breakers, Catalog previous) {
        return build(modelConfigs, upstream, problems, breakers, previous, SluiceConfigFile.Declared.NONE);
    }

    /**
     * As {@link #build(Map, SluiceConfig.Upstream, ConfigProblems, BreakerFactory, Catalog)}, with what the file
     * declares empty, which the mapping cannot see: a backend's {@code health-check: {}} gets a check with every
     * default, a model's {@code hedge: {}} is refused for want of its {@code after}.
     */
    public static Catalog build(Map<String, SluiceConfig.Model> modelConfigs, SluiceConfig.Upstream upstream,
            ConfigProblems problems, BreakerFactory breakers, Catalog previous, SluiceConfigFile.Declared declaredEmpty) {
        Map<String, Backend> running = new java.util.HashMap<>();
        if (previous != null) {
            previous.backends().forEach(backend -> running.put(backend.model() + "/" + backend.name(), backend));
        }
        checkUpstream("sluice.upstream", upstream, problems);
        Map<String, ModelRoute> models = new LinkedHashMap<>();
        for (Map.Entry<String, SluiceConfig.Model> entry : new java.util.TreeMap<>(modelConfigs).entrySet()) {
            String name = entry.getKey();
            SluiceConfig.Model config = entry.getValue();
            String path = "sluice.models." + name;
            if (name.equals("auto")) {
                // chat completions and messages read the name as a request for automatic choice (contract §6.7)
                problems.add(path, "'auto' asks for automatic model choice; give this model another name");
            }
            Protocol protocol = protocol(config.protocol(), path + ".protocol", problems);
            UpstreamSettings settings = UpstreamSettings.of(upstream, config.upstream().orElse(null));
            config.upstream().ifPresent(override -> checkOverride(path + ".upstream", override, problems));
            SluiceConfig.CircuitBreaker breaker = breaker(upstream.circuitBreaker(),
                    config.upstream().flatMap(SluiceConfig.UpstreamOverride::circuitBreaker).orElse(null));
            List<Backend> backends = new ArrayList<>();
            Set<String> backendNames = new HashSet<>();
            for (int i = 0; i < config.backends().size(); i++) {
                SluiceConfig.Backend backendConfig = config.backends().get(i);
                String backendPath = path + ".backends[" + i + "]";
                String backendName = backendConfig.name().orElse(name + "-" + i);
                if (!backendNames.add(backendName)) {
                    problems.add(backendPath + ".name", "backend name '" + backendName + "' is used twice in this model");
                }
                boolean checkDeclaredEmpty = declaredEmpty.emptyHealthChecks()
                        .contains(SluiceConfigFile.Declared.backend(name, i));
                java.util.Optional<SluiceConfig.HealthCheck> check = backendConfig.healthCheck()
                        .or(() -> checkDeclaredEmpty ? java.util.Optional.of(DEFAULT_CHECK) : java.util.Optional.empty());
                Backend backend = backend(backendName, name, protocol, backendConfig, check, backendPath, breaker,
                        problems, breakers, running.get(name + "/" + backendName));
                if (backend != null) {
                    backends.add(backend);
                }
            }
            if (config.backends().isEmpty()) {
                problems.add(path + ".backends", "a model needs at least one backend");
            }
            if (config.contextWindow().isPresent() && config.contextWindow().getAsInt() <= 0) {
                problems.add(path + ".context-window", "must be positive");
            }
            if (config.maxOutputTokens().isPresent() && config.maxOutputTokens().getAsInt() <= 0) {
                problems.add(path + ".max-output-tokens", "must be positive");
            }
            if (config.defaultMaxTokens() <= 0) {
                problems.add(path + ".default-max-tokens", "must be positive");
            }
            Price price = config.price().map(p -> new Price(p.inputPer1k(), p.outputPer1k())).orElse(Price.FREE);
            if (price.inputPer1k() < 0 || price.outputPer1k() < 0) {
                problems.add(path + ".price", "prices must not be negative");
            }
            Hedge hedge = config.hedge().map(h -> hedge(path + ".hedge", h, problems)).orElse(null);
            if (hedge == null && declaredEmpty.emptyHedges().contains(name)) {
                // hedge: {} reads as "hedge with the defaults", but after has none: silently one attempt at a time
                // would look like hedging that never starts
                problems.add(path + ".hedge.after", AFTER_REQUIRED);
            }
            // a request without max_tokens counts as asking the default, which max-output-tokens lowers as it does
            // an ask (the context check, the reservations, and the max_tokens sent to an Anthropic backend)
            int defaultMaxTokens = config.maxOutputTokens().isPresent()
                    ? Math.min(config.defaultMaxTokens(), config.maxOutputTokens().getAsInt()) : config.defaultMaxTokens();
            models.put(name, new ModelRoute(name, config.upstreamModel().orElse(name), protocol,
                    config.contextWindow().orElse(0), defaultMaxTokens,
                    config.maxOutputTokens().isPresent() ? config.maxOutputTokens().getAsInt() : null, price,
                    List.copyOf(config.fallbacks().orElse(List.of())),
                    Set.copyOf(config.unsupportedParameters().orElse(List.of())),
                    List.copyOf(backends), settings, config.auto(), hedge));
        }
        checkFallbacks(models, problems);
        return new Catalog(models);
    }

    private static Backend backend(String name, String model, Protocol protocol, SluiceConfig.Backend config,
            java.util.Optional<SluiceConfig.HealthCheck> healthCheck, String path, SluiceConfig.CircuitBreaker breaker,
            ConfigProblems problems, BreakerFactory breakers, Backend running) {
        URI uri;
        try {
            uri = URI.create(config.url().trim());
        } catch (IllegalArgumentException e) {
            problems.add(path + ".url", "'" + config.url() + "' is not a URL");
            return null;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            problems.add(path + ".url", "unknown scheme '" + scheme + "' in '" + config.url() + "' (expected http or https)");
            return null;
        }
        if (uri.getHost() == null) {
            problems.add(path + ".url", "'" + config.url() + "' has no host");
            return null;
        }
        if (config.weight() < 1) {
            problems.add(path + ".weight", "must be at least 1");
        }
        boolean ssl = scheme.equals("https");
        int port = uri.getPort() > 0 ? uri.getPort() : ssl ? 443 : 80;
        String basePath = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (basePath.endsWith("/")) {
            basePath = basePath.substring(0, basePath.length() - 1);
        }
        String apiKey = config.apiKey().filter(key -> !key.isBlank()).orElse(null);
        boolean insecure = config.tls().map(SluiceConfig.BackendTls::insecure).orElse(false);
        if (insecure && !ssl) {
            problems.add(path + ".tls.insecure", "applies to https backends only ('" + config.url() + "')");
        }
        HealthProbe probe = healthCheck.map(check -> probe(path + ".health-check", check, problems)).orElse(null);
        Backend backend = new Backend(name, model, protocol, ssl, uri.getHost(), port, basePath, Math.max(1, config.weight()),
                apiKey, breaker.delay().toNanos(), insecure && ssl,
                List.of(breaker.requestVolume(), breaker.failureRatio(), breaker.delay()), probe);
        if (running != null && running.sameDefinition(backend)) {
            return running;
        }
        if (running != null && !running.healthy() && probe != null && running.sameAddress(backend)) {
            // changed, yet checked at the same address: down until its check passes, which is sent at once
            backend.healthy(false);
        }
        backend.guard(breakers.create(backend, breaker));
        return backend;
    }

    private static final Duration DEFAULT_PROBE_TIMEOUT = Duration.ofSeconds(2);

    /** {@code health-check: {}}: every setting its {@code @WithDefault} (a test holds the two together). */
    static final SluiceConfig.HealthCheck DEFAULT_CHECK = new SluiceConfig.HealthCheck() {
        @Override
        public String path() {
            return "/health";
        }

        @Override
        public Duration interval() {
            return Duration.ofSeconds(10);
        }

        @Override
        public java.util.Optional<Duration> timeout() {
            return java.util.Optional.empty();
        }

        @Override
        public int failureThreshold() {
            return 2;
        }

        @Override
        public int successThreshold() {
            return 1;
        }
    };

    /** A path from the root, a check at least every 100 ms that may not outlast its interval, thresholds from 1. */
    private static HealthProbe probe(String path, SluiceConfig.HealthCheck config, ConfigProblems problems) {
        String probePath = config.path().trim();
        if (!probePath.startsWith("/") || probePath.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
            problems.add(path + ".path", "must start with / and hold no space or control character (was '"
                    + config.path() + "')");
        }
        if (config.interval().toMillis() < 100) {
            problems.add(path + ".interval", "must be at least 100ms (was " + Durations.format(config.interval()) + ")");
        }
        Duration timeout = config.timeout().orElse(DEFAULT_PROBE_TIMEOUT.compareTo(config.interval()) > 0
                ? config.interval() : DEFAULT_PROBE_TIMEOUT);
        if (timeout.toMillis() < 1) {
            problems.add(path + ".timeout", "must be positive (was " + Durations.format(timeout) + ")");
        } else if (config.timeout().isPresent() && timeout.compareTo(config.interval()) > 0) {
            problems.add(path + ".timeout", "must not be longer than the interval (" + Durations.format(config.interval()) + ")");
        }
        if (config.failureThreshold() < 1) {
            problems.add(path + ".failure-threshold", "must be at least 1");
        }
        if (config.successThreshold() < 1) {
            problems.add(path + ".success-threshold", "must be at least 1");
        }
        return new HealthProbe(probePath, config.interval(), timeout, Math.max(1, config.failureThreshold()),
                Math.max(1, config.successThreshold()));
    }

    private static final String AFTER_REQUIRED = "is required (a duration; 0s races every candidate at once)";

    /** {@code after} is required and not negative (0s is race mode); more than one attempt may be in flight. */
    private static Hedge hedge(String path, SluiceConfig.Hedge config, ConfigProblems problems) {
        Duration after = config.after().orElse(null);
        if (after == null) {
            problems.add(path + ".after", AFTER_REQUIRED);
            after = Duration.ZERO;
        } else if (after.isNegative()) {
            problems.add(path + ".after", "must not be negative (was " + Durations.format(after) + ")");
        }
        if (config.maxAttempts() < 2) {
            problems.add(path + ".max-attempts", "must be at least 2 (leave hedge out for one attempt at a time)");
        }
        return new Hedge(after, config.maxAttempts());
    }

    private static Protocol protocol(String value, String path, ConfigProblems problems) {
        try {
            return Protocol.parse(value);
        } catch (IllegalArgumentException e) {
            problems.add(path, "unknown protocol '" + value + "' (expected openai or anthropic)");
            return Protocol.OPENAI;
        }
    }

    private static void checkUpstream(String path, SluiceConfig.Upstream upstream, ConfigProblems problems) {
        checkTimeout(path + ".connect-timeout", upstream.connectTimeout(), problems);
        checkTimeout(path + ".first-byte-timeout", upstream.firstByteTimeout(), problems);
        checkTimeout(path + ".idle-timeout", upstream.idleTimeout(), problems);
        if (upstream.retries() < 0) {
            problems.add(path + ".retries", "must not be negative");
        }
        if (upstream.retryBudget() < 0 || upstream.retryBudget() > 1) {
            problems.add(path + ".retry-budget", "must be between 0 and 1");
        }
        checkBreaker(path + ".circuit-breaker", upstream.circuitBreaker(), problems);
        if (upstream.maxConnections() < 1) {
            problems.add(path + ".max-connections", "must be at least 1");
        }
        if (upstream.maxConnecting() < 1) {
            problems.add(path + ".max-connecting", "must be at least 1");
        }
        upstream.tls().caFile().map(CaBundle::problem)
                .ifPresent(problem -> problems.add(path + ".tls.ca-file", problem));
    }

    private static void checkOverride(String path, SluiceConfig.UpstreamOverride override, ConfigProblems problems) {
        override.connectTimeout().ifPresent(d -> checkTimeout(path + ".connect-timeout", d, problems));
        override.firstByteTimeout().ifPresent(d -> checkTimeout(path + ".first-byte-timeout", d, problems));
        override.idleTimeout().ifPresent(d -> checkTimeout(path + ".idle-timeout", d, problems));
        if (override.retries().isPresent() && override.retries().getAsInt() < 0) {
            problems.add(path + ".retries", "must not be negative");
        }
        override.circuitBreaker().ifPresent(breaker -> {
            breaker.failureRatio().ifPresent(ratio -> checkFailureRatio(path + ".circuit-breaker.failure-ratio", ratio,
                    problems));
            breaker.requestVolume().ifPresent(volume -> checkRequestVolume(path + ".circuit-breaker.request-volume",
                    volume, problems));
            breaker.delay().ifPresent(delay -> checkTimeout(path + ".circuit-breaker.delay", delay, problems));
        });
    }

    private static void checkBreaker(String path, SluiceConfig.CircuitBreaker breaker, ConfigProblems problems) {
        checkFailureRatio(path + ".failure-ratio", breaker.failureRatio(), problems);
        checkRequestVolume(path + ".request-volume", breaker.requestVolume(), problems);
        checkTimeout(path + ".delay", breaker.delay(), problems);
    }

    private static void checkFailureRatio(String path, double ratio, ConfigProblems problems) {
        if (ratio <= 0 || ratio > 1) {
            problems.add(path, "must be greater than 0 and at most 1");
        }
    }

    private static void checkRequestVolume(String path, int volume, ConfigProblems problems) {
        if (volume < 1) {
            problems.add(path, "must be at least 1");
        }
    }

    /** The group's breaker settings with a model's own in their place. */
    private static SluiceConfig.CircuitBreaker breaker(SluiceConfig.CircuitBreaker group,
            SluiceConfig.CircuitBreakerOverride model) {
        if (model == null) {
            return group;
        }
        double ratio = model.failureRatio().orElse(group.failureRatio());
        int volume = model.requestVolume().orElse(group.requestVolume());
        Duration delay = model.delay().orElse(group.delay());
        return new SluiceConfig.CircuitBreaker() {
            @Override
            public double failureRatio() {
                return ratio;
            }

            @Override
            public int requestVolume() {
                return volume;
            }

            @Override
            public Duration delay() {
                return delay;
            }
        };
    }

    private static void checkTimeout(String path, Duration value, ConfigProblems problems) {
        if (value.isNegative() || value.isZero()) {
            problems.add(path, "must be positive (was " + Durations.format(value) + ")");
        }
    }

    /** Every fallback must name a configured model, and following fallbacks must never come back to a model. */
    private static void checkFallbacks(Map<String, ModelRoute> models, ConfigProblems problems) {
        for (ModelRoute model : models.values()) {
            for (int i = 0; i < model.fallbacks().size(); i++) {
                String fallback = model.fallbacks().get(i);
                if (!models.containsKey(fallback)) {
                    problems.add("sluice.models." + model.name() + ".fallbacks[" + i + "]",
                            "names unknown model '" + fallback + "'");
                }
            }
        }
        Set<String> done = new HashSet<>();
        for (String name : models.keySet()) {
            List<String> cycle = findCycle(name, models, new ArrayList<>(), done);
            if (cycle != null) {
                problems.add("sluice.models." + cycle.get(0) + ".fallbacks",
                        "fallback cycle " + String.join(" -> ", cycle));
                return;
            }
        }
    }

    private static List<String> findCycle(String name, Map<String, ModelRoute> models, List<String> path, Set<String> done) {
        int at = path.indexOf(name);
        if (at >= 0) {
            List<String> cycle = new ArrayList<>(path.subList(at, path.size()));
            cycle.add(name);
            return cycle;
        }
        if (done.contains(name) || !models.containsKey(name)) {
            return null;
        }
        path.add(name);
        for (String fallback : models.get(name).fallbacks()) {
            List<String> cycle = findCycle(fallback, models, path, done);
            if (cycle != null) {
                return cycle;
            }
        }
        path.remove(path.size() - 1);
        done.add(name);
        return null;
    }
}
