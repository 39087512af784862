package dev.sluice.metrics;

import io.prometheus.client.exemplars.ExemplarSampler;
import io.quarkus.micrometer.runtime.export.exemplars.OpentelemetryExemplarSamplerProvider;
import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Prometheus exemplars only while tracing is on.
 *
 * <p>Quarkus gives the Prometheus registry an exemplar sampler whenever OpenTelemetry is on the class path. On every
 * timer and histogram record it asks OpenTelemetry for the current span: about 2% of the proxy's CPU samples (JFR,
 * issue 12), spent for nothing while the SDK is disabled, which is Sluice's default. With the SDK enabled
 * ({@code quarkus.otel.sdk.disabled=false}) the exemplars are Quarkus' own, linking the histograms to traces.
 */
@Singleton
public class Exemplars {

    @Produces
    @Singleton
    @Alternative
    @Priority(1)
    Optional<ExemplarSampler> exemplarSampler(
            @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "false") boolean tracingOff) {
        return tracingOff ? Optional.empty() : new OpentelemetryExemplarSamplerProvider().exemplarSampler();
    }
}
