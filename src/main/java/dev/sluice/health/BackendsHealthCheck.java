package dev.sluice.health;

import dev.sluice.control.ControlPlane;
import dev.sluice.routing.Backend;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * The circuit state of every backend, and the verdict of its active health check when it has one, as readiness data. Always UP: a proxy whose backends are failing still
 * answers (with the right error), and taking it out of the load balancer would only hide that.
 */
@Readiness
@ApplicationScoped
public class BackendsHealthCheck implements HealthCheck {

    @Inject
    ControlPlane control;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("backends").up();
        for (Backend backend : control.generation().catalog().backends()) {
            response.withData(backend.model() + "/" + backend.name(), backend.breakerState().name().toLowerCase());
            if (backend.probe() != null) {
                response.withData(backend.model() + "/" + backend.name() + " health-check",
                        backend.healthy() ? "up" : "down");
            }
        }
        return response.build();
    }
}
