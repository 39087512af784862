package dev.sluice.app;

import dev.sluice.config.SluiceConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.Map;

/** The demo mode's configuration, written as the configuration a user would write for it. */
final class DemoModels {

    private DemoModels() {
    }

    /**
     * One model {@code demo} served by the built-in backend on {@code port}, and one development key for it. Its
     * {@code max-output-tokens} lowers the large answer budgets some clients ask for by default (Claude Code asks for
     * 32,000 tokens), which the context window would otherwise refuse.
     */
    static SluiceConfig config(int port, String key) {
        Map<String, String> properties = Map.of(
                "sluice.models.demo.context-window", "32768",
                "sluice.models.demo.max-output-tokens", "4096",
                "sluice.models.demo.backends[0].name", "demo",
                "sluice.models.demo.backends[0].url", "http://127.0.0.1:" + port,
                "sluice.accounts.demo.concurrency", "64",
                "sluice.keys[0].key", key,
                "sluice.keys[0].account", Components.DEMO_ACCOUNT);
        return new SmallRyeConfigBuilder()
                .withMapping(SluiceConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                .withSources(new PropertiesConfigSource(properties, "sluice-demo", 100))
                .build()
                .getConfigMapping(SluiceConfig.class);
    }
}
