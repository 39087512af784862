package dev.sluice.routing;

import dev.sluice.config.SluiceConfig;
import java.time.Duration;

/** Timeouts and retry rules for the calls to one model's backends: the global group with the model's overrides. */
public record UpstreamSettings(Duration connectTimeout, Duration firstByteTimeout, Duration idleTimeout, int retries,
        boolean retryOnTimeout) {

    static UpstreamSettings of(SluiceConfig.Upstream global, SluiceConfig.UpstreamOverride override) {
        if (override == null) {
            return new UpstreamSettings(global.connectTimeout(), global.firstByteTimeout(), global.idleTimeout(),
                    global.retries(), global.retryOnTimeout());
        }
        return new UpstreamSettings(
                override.connectTimeout().orElse(global.connectTimeout()),
                override.firstByteTimeout().orElse(global.firstByteTimeout()),
                override.idleTimeout().orElse(global.idleTimeout()),
                override.retries().orElse(global.retries()),
                override.retryOnTimeout().orElse(global.retryOnTimeout()));
    }
}
