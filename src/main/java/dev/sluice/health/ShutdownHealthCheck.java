package dev.sluice.health;

import dev.sluice.pipeline.InFlight;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Readiness goes DOWN as soon as shutdown starts, so that load balancers stop sending while requests drain. */
@Readiness
@ApplicationScoped
public class ShutdownHealthCheck implements HealthCheck {

    @Inject
    InFlight inFlight;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("shutdown").status(!inFlight.draining())
                .withData("in_flight", inFlight.count()).build();
    }
}
