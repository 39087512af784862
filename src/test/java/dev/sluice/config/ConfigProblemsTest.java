package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchRuntimeException;

import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a reload refused by the configuration library itself logs: key paths and reasons, not its codes and classes. */
class ConfigProblemsTest {

    private static RuntimeException failureOf(Map<String, String> properties) {
        return catchRuntimeException(() -> new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(properties, "sluice.yaml", 500)).addDefaultInterceptors()
                .withMapping(SluiceConfig.class).withValidateUnknown(true)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                .withConverter(Boolean.class, 200, new StrictBooleanConverter()).build());
    }

    @Test
    void aValueOfTheWrongTypeAMissingKeyAndAnUnknownOneNameTheirKeyPaths() {
        RuntimeException failure = failureOf(Map.of("sluice.accounts.conc.concurrency", "two",
                "sluice.keys[0].key", "sk-x", "sluice.limits.lease", "forever", "sluice.nothing", "1",
                "sluice.validation.enabled", "ture"));

        String described = ConfigProblems.describe(failure);

        assertThat(described.split("; ")).containsExactlyInAnyOrder(
                "sluice.accounts.conc.concurrency: \"two\" cannot be read: Expected an integer value, got \"two\"",
                "sluice.validation.enabled: \"ture\" cannot be read: Expected true or false, got \"ture\"",
                "sluice.keys[0].account: is required",
                "sluice.limits.lease: \"forever\" cannot be read: Invalid duration: forever",
                "sluice.nothing: is not a setting (a misspelt key?)");
        assertThat(described).doesNotContain("SRCFG").doesNotContain("java.").doesNotContain("Exception");
    }

    @Test
    void anEmptyValueIsNamedAsSuch() {
        RuntimeException failure = failureOf(Map.of("sluice.models.m.backends[0].url", "http://h:1",
                "sluice.models.m.backends[0].health-check.path", ""));

        assertThat(ConfigProblems.describe(failure)).isEqualTo("sluice.models.m.backends[0].health-check.path: is empty "
                + "(give it a value, or leave it out for its default)");
    }

    @Test
    void anyOtherFailureIsItsMessage() {
        assertThat(ConfigProblems.describe(new IllegalStateException("sluice.models.x.backends: must not be empty")))
                .isEqualTo("sluice.models.x.backends: must not be empty");
        assertThat(ConfigProblems.describe(new IllegalStateException())).isEqualTo("IllegalStateException");
    }
}
