package dev.sluice.health;

import dev.sluice.limits.Admission;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness of the limit store (contract §4.5): with Redis, each check pings it (bounded by {@code redis-timeout}).
 * DOWN only under {@code redis-failure: closed} while Redis does not answer; under {@code local} and {@code open}
 * the proxy still serves, and the data says {@code "mode": "degraded"}.
 */
@Readiness
@ApplicationScoped
public class LimitStoreHealthCheck implements AsyncHealthCheck {

    @Inject
    Admission admission;

    @Override
    public Uni<HealthCheckResponse> call() {
        return Uni.createFrom().completionStage(admission.checkRedis().toCompletionStage()).map(answered -> {
            Admission.Mode mode = admission.modeAfterCheck(answered);
            return HealthCheckResponse.named("limit-store")
                    .status(mode != Admission.Mode.UNAVAILABLE)
                    .withData("store", admission.usesRedis() ? "redis" : "local")
                    .withData("mode", mode.label())
                    .withData("redis-failure", admission.failurePolicy().name().toLowerCase(java.util.Locale.ROOT))
                    .build();
        });
    }
}
