package dev.sluice.edge;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness is DOWN until every connection to the proxy's port is guarded ({@link EdgeGuard}); {@code management} says
 * whether the management interface's are too (an error is logged when they cannot be; the proxy still serves).
 */
@Readiness
@ApplicationScoped
public class EdgeGuardHealthCheck implements HealthCheck {

    @Inject
    EdgeGuard guard;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("connection-guard").status(guard.installed())
                .withData("client-timeout", dev.sluice.config.Durations.format(guard.clientTimeout()))
                .withData("management", guard.managementInstalled()).build();
    }
}
