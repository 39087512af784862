package dev.sluice.edge;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Readiness is DOWN until every connection to the proxy's port is guarded ({@link EdgeGuard}). */
@Readiness
@ApplicationScoped
public class EdgeGuardHealthCheck implements HealthCheck {

    @Inject
    EdgeGuard guard;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("connection-guard").status(guard.installed())
                .withData("client-timeout", guard.clientTimeout().toString()).build();
    }
}
