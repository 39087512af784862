package dev.sluice.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.ConfigProblems;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.SluiceConfigFile;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Invalid model configurations stop start-up with a message naming the key path. */
class CatalogTest {

    static SluiceConfig config(String... keyValues) {
        Map<String, String> properties = new HashMap<>();
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            properties.put(keyValues[i], keyValues[i + 1]);
        }
        return new SmallRyeConfigBuilder().withMapping(SluiceConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                .withSources(new PropertiesConfigSource(properties, "test", 100)).build()
                .getConfigMapping(SluiceConfig.class);
    }

    static ConfigProblems problemsOf(SluiceConfig config) {
        ConfigProblems problems = new ConfigProblems();
        Catalog.build(config.models(), config.upstream(), problems, (backend, breaker) -> null);
        return problems;
    }

    @Test
    void buildsModelsWithTheContractsDefaults() {
        SluiceConfig config = config("sluice.models.small.backends[0].url", "http://127.0.0.1:9001/",
                "sluice.models.small.backends[1].url", "https://gw.example/openai");
        ConfigProblems problems = new ConfigProblems();
        Catalog catalog = Catalog.build(config.models(), config.upstream(), problems, (backend, breaker) -> null);

        assertThat(problems.list()).isEmpty();
        ModelRoute small = catalog.model("small");
        assertThat(small.protocol()).isEqualTo(Protocol.OPENAI);
        assertThat(small.upstreamModel()).isEqualTo("small");
        assertThat(small.defaultMaxTokens()).isEqualTo(1024);
        assertThat(small.hasContextWindow()).isFalse();
        assertThat(small.price().free()).isTrue();
        assertThat(small.upstream().connectTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(small.upstream().firstByteTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(small.upstream().retries()).isEqualTo(2);
        assertThat(small.upstream().retryOnTimeout()).isFalse();
        assertThat(small.backends()).extracting(Backend::name).containsExactly("small-0", "small-1");
        Backend second = small.backends().get(1);
        assertThat(second.ssl()).isTrue();
        assertThat(second.port()).isEqualTo(443);
        assertThat(second.basePath()).isEqualTo("/openai");
        assertThat(small.backends().get(0).basePath()).isEmpty();
    }

    @Test
    void namesAnUnknownUrlScheme() {
        assertThat(problemsOf(config("sluice.models.m.backends[0].url", "ftp://host")).list())
                .containsExactly("sluice.models.m.backends[0].url: unknown scheme 'ftp' in 'ftp://host' (expected http or https)");
    }

    @Test
    void namesAFallbackCycleAndAnUnknownFallback() {
        SluiceConfig config = config(
                "sluice.models.a.backends[0].url", "http://h:1", "sluice.models.a.fallbacks[0]", "b",
                "sluice.models.b.backends[0].url", "http://h:2", "sluice.models.b.fallbacks[0]", "a",
                "sluice.models.c.backends[0].url", "http://h:3", "sluice.models.c.fallbacks[0]", "nope");
        assertThat(problemsOf(config).list()).containsExactlyInAnyOrder(
                "sluice.models.c.fallbacks[0]: names unknown model 'nope'",
                "sluice.models.a.fallbacks: fallback cycle a -> b -> a");
    }

    @Test
    void namesNegativeTimeoutsGlobalAndPerModel() {
        SluiceConfig config = config("sluice.upstream.connect-timeout", "-1s",
                "sluice.models.m.backends[0].url", "http://h:1", "sluice.models.m.upstream.idle-timeout", "-5s");
        assertThat(problemsOf(config).list()).containsExactlyInAnyOrder(
                "sluice.upstream.connect-timeout: must be positive (was -1s)",
                "sluice.models.m.upstream.idle-timeout: must be positive (was -5s)");
    }

    @Test
    void aModelsCircuitBreakerOverridesTheGroupsSettingBySetting() {
        SluiceConfig config = config("sluice.upstream.circuit-breaker.failure-ratio", "0.8",
                "sluice.models.own.backends[0].url", "http://h:1",
                "sluice.models.own.upstream.circuit-breaker.request-volume", "4",
                "sluice.models.own.upstream.circuit-breaker.delay", "2s",
                "sluice.models.group.backends[0].url", "http://h:2");
        Map<String, SluiceConfig.CircuitBreaker> built = new HashMap<>();
        ConfigProblems problems = new ConfigProblems();

        Catalog.build(config.models(), config.upstream(), problems, (backend, breaker) -> {
            built.put(backend.name(), breaker);
            return null;
        });

        assertThat(problems.list()).isEmpty();
        SluiceConfig.CircuitBreaker own = built.get("own-0");
        assertThat(own.failureRatio()).isEqualTo(0.8);
        assertThat(own.requestVolume()).isEqualTo(4);
        assertThat(own.delay()).isEqualTo(Duration.ofSeconds(2));
        SluiceConfig.CircuitBreaker group = built.get("group-0");
        assertThat(group.failureRatio()).isEqualTo(0.8);
        assertThat(group.requestVolume()).isEqualTo(20);
        assertThat(group.delay()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void namesBadCircuitBreakerSettingsGlobalAndPerModel() {
        SluiceConfig config = config("sluice.upstream.circuit-breaker.failure-ratio", "1.5",
                "sluice.models.m.backends[0].url", "http://h:1",
                "sluice.models.m.upstream.circuit-breaker.failure-ratio", "0",
                "sluice.models.m.upstream.circuit-breaker.request-volume", "0",
                "sluice.models.m.upstream.circuit-breaker.delay", "-1s");
        assertThat(problemsOf(config).list()).containsExactlyInAnyOrder(
                "sluice.upstream.circuit-breaker.failure-ratio: must be greater than 0 and at most 1",
                "sluice.models.m.upstream.circuit-breaker.failure-ratio: must be greater than 0 and at most 1",
                "sluice.models.m.upstream.circuit-breaker.request-volume: must be at least 1",
                "sluice.models.m.upstream.circuit-breaker.delay: must be positive (was -1s)");
    }

    @Test
    void namesPoolSizesBelowOne() {
        SluiceConfig config = config("sluice.upstream.max-connections", "0", "sluice.upstream.max-connecting", "0",
                "sluice.models.m.backends[0].url", "http://h:1");
        assertThat(problemsOf(config).list()).containsExactlyInAnyOrder(
                "sluice.upstream.max-connections: must be at least 1",
                "sluice.upstream.max-connecting: must be at least 1");
    }

    @Test
    void namesAnUnknownProtocolAndABadWeight() {
        SluiceConfig config = config("sluice.models.m.protocol", "grpc", "sluice.models.m.backends[0].url", "http://h:1",
                "sluice.models.m.backends[0].weight", "0");
        assertThat(problemsOf(config).list()).containsExactlyInAnyOrder(
                "sluice.models.m.protocol: unknown protocol 'grpc' (expected openai or anthropic)",
                "sluice.models.m.backends[0].weight: must be at least 1");
    }

    @Test
    void reportsEveryProblemInOneMessage() {
        ConfigProblems problems = problemsOf(config("sluice.models.m.backends[0].url", "ftp://x",
                "sluice.upstream.retries", "-1"));
        org.assertj.core.api.Assertions.assertThatThrownBy(problems::throwIfAny)
                .hasMessage("Invalid Sluice configuration: sluice.upstream.retries: must not be negative; "
                        + "sluice.models.m.backends[0].url: unknown scheme 'ftp' in 'ftp://x' (expected http or https)");
    }

    @Test
    void namesAnUnreadableOrEmptyCaFile(@TempDir Path directory) throws IOException {
        Path notPem = Files.writeString(directory.resolve("ca.pem"), "not a certificate\n");
        String missing = directory.resolve("missing.pem").toString();

        assertThat(problemsOf(config("sluice.upstream.tls.ca-file", missing)).list())
                .containsExactly("sluice.upstream.tls.ca-file: '" + missing + "' is not a readable file");
        assertThat(problemsOf(config("sluice.upstream.tls.ca-file", directory.toString())).list())
                .containsExactly("sluice.upstream.tls.ca-file: '" + directory + "' is not a readable file");
        assertThat(problemsOf(config("sluice.upstream.tls.ca-file", notPem.toString())).list()).singleElement()
                .asString().startsWith("sluice.upstream.tls.ca-file: '" + notPem + "' ");
    }

    @Test
    void readsThePerBackendInsecureSwitchForHttpsBackendsOnly() {
        SluiceConfig config = config("sluice.models.m.backends[0].url", "https://vllm:8000",
                "sluice.models.m.backends[0].tls.insecure", "true",
                "sluice.models.m.backends[1].url", "https://vllm2:8000");
        ConfigProblems problems = new ConfigProblems();
        Catalog catalog = Catalog.build(config.models(), config.upstream(), problems, (backend, breaker) -> null);

        assertThat(problems.list()).isEmpty();
        assertThat(catalog.model("m").backends()).extracting(Backend::insecureTls).containsExactly(true, false);
        assertThat(problemsOf(config("sluice.models.m.backends[0].url", "http://h:1",
                "sluice.models.m.backends[0].tls.insecure", "true")).list())
                .containsExactly(
                        "sluice.models.m.backends[0].tls.insecure: applies to https backends only ('http://h:1')");
    }

    @Test
    void modelsAreListedByName() {
        SluiceConfig config = config("sluice.models.zeta.backends[0].url", "http://h:1",
                "sluice.models.\"meta-llama/Llama-3.1-8B\".backends[0].url", "http://h:2",
                "sluice.models.alpha.backends[0].url", "http://h:3", "sluice.models.mid.backends[0].url", "http://h:4");

        Catalog catalog = Catalog.build(config.models(), config.upstream(), new ConfigProblems(), (backend, breaker) -> null);

        assertThat(catalog.models()).extracting(ModelRoute::name)
                .containsExactly("alpha", "meta-llama/Llama-3.1-8B", "mid", "zeta");
    }

    @Test
    void readsAHealthCheckWithItsDefaultsAndNamesEachBadSetting() {
        SluiceConfig config = config("sluice.models.m.backends[0].url", "http://h:1",
                "sluice.models.m.backends[0].health-check.path", "/health",
                "sluice.models.m.backends[1].url", "http://h:2",
                "sluice.models.m.backends[1].health-check.path", "/v1/models",
                "sluice.models.m.backends[1].health-check.interval", "500ms",
                "sluice.models.m.backends[1].health-check.failure-threshold", "3",
                "sluice.models.m.backends[2].url", "http://h:3");
        ConfigProblems problems = new ConfigProblems();
        Catalog catalog = Catalog.build(config.models(), config.upstream(), problems, (backend, breaker) -> null);

        assertThat(problems.list()).isEmpty();
        assertThat(catalog.model("m").backends()).extracting(Backend::probe).containsExactly(
                new HealthProbe("/health", Duration.ofSeconds(10), Duration.ofSeconds(2), 2, 1),
                new HealthProbe("/v1/models", Duration.ofMillis(500), Duration.ofMillis(500), 3, 1), null);

        assertThat(problemsOf(config("sluice.models.m.backends[0].url", "http://h:1",
                "sluice.models.m.backends[0].health-check.path", "health",
                "sluice.models.m.backends[0].health-check.interval", "50ms",
                "sluice.models.m.backends[0].health-check.timeout", "1s",
                "sluice.models.m.backends[0].health-check.failure-threshold", "0",
                "sluice.models.m.backends[0].health-check.success-threshold", "0")).list()).containsExactly(
                "sluice.models.m.backends[0].health-check.path: must start with / and hold no space or control "
                        + "character (was 'health')",
                "sluice.models.m.backends[0].health-check.interval: must be at least 100ms (was 50ms)",
                "sluice.models.m.backends[0].health-check.timeout: must not be longer than the interval (50ms)",
                "sluice.models.m.backends[0].health-check.failure-threshold: must be at least 1",
                "sluice.models.m.backends[0].health-check.success-threshold: must be at least 1");
    }

    @Test
    void aHedgeDeclaredWithNothingInItIsRefusedForWantOfItsAfterNotLeftWithoutHedging(@TempDir Path dir)
            throws Exception {
        // given: "hedge with the defaults", which the configuration sources drop; after has no default
        Path file = Files.writeString(dir.resolve("sluice.yaml"), """
                sluice:
                  models:
                    braces:
                      hedge: {}
                      backends: [{url: "http://h:1"}, {url: "http://h:2"}]
                    bare:
                      hedge:
                      backends: [{url: "http://h:1"}]
                    plain:
                      backends: [{url: "http://h:1"}]
                """);
        SluiceConfig config = config("sluice.models.braces.backends[0].url", "http://h:1",
                "sluice.models.braces.backends[1].url", "http://h:2", "sluice.models.bare.backends[0].url", "http://h:1",
                "sluice.models.plain.backends[0].url", "http://h:1");
        ConfigProblems problems = new ConfigProblems();

        // when
        Catalog.build(config.models(), config.upstream(), problems, (backend, breaker) -> null, null,
                SluiceConfigFile.declaredEmpty(file));

        // then: as hedge: {max-attempts: 3} is
        assertThat(problems.list()).containsExactly(
                "sluice.models.bare.hedge.after: is required (a duration; 0s races every candidate at once)",
                "sluice.models.braces.hedge.after: is required (a duration; 0s races every candidate at once)");
    }

    @Test
    void aHealthCheckDeclaredWithNothingInItChecksWithEveryDefault(@TempDir Path dir) throws Exception {
        // given: the natural way to say "check it, the usual way", which the configuration sources drop
        Path file = Files.writeString(dir.resolve("sluice.yaml"), """
                sluice:
                  models:
                    m:
                      backends:
                        - {url: "http://h:1", health-check: {}}
                        - {url: "http://h:2"}
                        - url: http://h:3
                          health-check:
                """);
        SluiceConfig config = config("sluice.models.m.backends[0].url", "http://h:1",
                "sluice.models.m.backends[1].url", "http://h:2", "sluice.models.m.backends[2].url", "http://h:3");
        ConfigProblems problems = new ConfigProblems();

        // when
        SluiceConfigFile.Declared declared = SluiceConfigFile.declaredEmpty(file);
        Catalog catalog = Catalog.build(config.models(), config.upstream(), problems, (backend, breaker) -> null, null,
                declared);

        // then
        assertThat(problems.list()).isEmpty();
        HealthProbe defaults = new HealthProbe("/health", Duration.ofSeconds(10), Duration.ofSeconds(2), 2, 1);
        assertThat(catalog.model("m").backends()).extracting(Backend::probe).containsExactly(defaults, null, defaults);
    }

    @Test
    void theDefaultsOfACheckDeclaredEmptyAreTheMappingsDefaults() throws Exception {
        for (java.lang.reflect.Method setting : SluiceConfig.HealthCheck.class.getDeclaredMethods()) {
            Object value = setting.invoke(Catalog.DEFAULT_CHECK);
            io.smallrye.config.WithDefault declared = setting.getAnnotation(io.smallrye.config.WithDefault.class);
            if (declared == null) {
                assertThat(value).as(setting.getName()).isEqualTo(java.util.Optional.empty());
            } else if (value instanceof Duration duration) {
                assertThat(duration).as(setting.getName()).isEqualTo(new DurationConverter().convert(declared.value()));
            } else {
                assertThat(String.valueOf(value)).as(setting.getName()).isEqualTo(declared.value());
            }
        }
    }

    @Test
    void aBackendCountsItsHealthChecksInARow() {
        SluiceConfig config = config("sluice.models.m.backends[0].url", "http://h:1",
                "sluice.models.m.backends[0].health-check.failure-threshold", "2",
                "sluice.models.m.backends[0].health-check.success-threshold", "2");
        Backend backend = Catalog.build(config.models(), config.upstream(), new ConfigProblems(), (b, breaker) -> null)
                .model("m").backends().get(0);

        // one failure between passes does not mark it down; two in a row do
        assertThat(backend.checked(false)).isFalse();
        assertThat(backend.checked(true)).isFalse();
        assertThat(backend.checked(false)).isFalse();
        assertThat(backend.available(System.nanoTime())).isTrue();
        assertThat(backend.checked(false)).isTrue();
        assertThat(backend.available(System.nanoTime())).isFalse();
        // and it takes two passes in a row to come back
        assertThat(backend.checked(true)).isFalse();
        assertThat(backend.checked(false)).isFalse();
        assertThat(backend.checked(true)).isFalse();
        assertThat(backend.checked(true)).isTrue();
        assertThat(backend.healthy()).isTrue();
    }

    @Test
    void readsHedgeAndAutoWithTheirDefaults() {
        SluiceConfig config = config("sluice.models.m.backends[0].url", "http://h:1",
                "sluice.models.m.hedge.after", "250ms", "sluice.models.m.auto", "true",
                "sluice.models.r.backends[0].url", "http://h:2", "sluice.models.r.hedge.after", "0s",
                "sluice.models.r.hedge.max-attempts", "3",
                "sluice.models.plain.backends[0].url", "http://h:3");
        ConfigProblems problems = new ConfigProblems();
        Catalog catalog = Catalog.build(config.models(), config.upstream(), problems, (backend, breaker) -> null);

        assertThat(problems.list()).isEmpty();
        assertThat(catalog.model("m").hedge()).isEqualTo(new Hedge(Duration.ofMillis(250), 2));
        assertThat(catalog.model("m").hedge().race()).isFalse();
        assertThat(catalog.model("m").auto()).isTrue();
        assertThat(catalog.model("r").hedge().race()).isTrue();
        assertThat(catalog.model("r").hedge().maxAttempts()).isEqualTo(3);
        assertThat(catalog.model("plain").hedge()).isNull();
        assertThat(catalog.model("plain").auto()).isFalse();
    }

    @Test
    void namesAHedgeWithoutAfterANegativeAfterAndTooFewAttempts() {
        SluiceConfig config = config(
                "sluice.models.a.backends[0].url", "http://h:1", "sluice.models.a.hedge.max-attempts", "3",
                "sluice.models.b.backends[0].url", "http://h:2", "sluice.models.b.hedge.after", "-1s",
                "sluice.models.c.backends[0].url", "http://h:3", "sluice.models.c.hedge.after", "1s",
                "sluice.models.c.hedge.max-attempts", "1");
        assertThat(problemsOf(config).list()).containsExactlyInAnyOrder(
                "sluice.models.a.hedge.after: is required (a duration; 0s races every candidate at once)",
                "sluice.models.b.hedge.after: must not be negative (was -1s)",
                "sluice.models.c.hedge.max-attempts: must be at least 2 (leave hedge out for one attempt at a time)");
    }
}
