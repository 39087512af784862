package dev.sluice.testing;

import dev.sluice.config.SluiceConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** Sluice's configuration mapping built from key/value pairs, as a user's file would give it, for unit tests. */
public final class Configs {

    private Configs() {
    }

    public static SluiceConfig of(String... keyValues) {
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
}
