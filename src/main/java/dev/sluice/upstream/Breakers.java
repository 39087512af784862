package dev.sluice.upstream;

import dev.sluice.config.SluiceConfig;
import dev.sluice.routing.Backend;
import io.smallrye.faulttolerance.api.Guard;
import java.time.temporal.ChronoUnit;

/** The circuit breaker of each backend (contract §6.5). */
public final class Breakers {

    private Breakers() {
    }

    /**
     * A SmallRye Fault Tolerance breaker: it counts {@link UpstreamFailure#tripsBreaker} failures, runs on the calling
     * event loop (no thread offload) and reports its state to the backend so that an open one is skipped. A
     * {@link Guard} rather than a typed one: the same breaker is asked synchronously (to count a call that has ended)
     * and asynchronously (to let a trial call start), see {@link Forwarder}.
     */
    public static Guard smallRye(Backend backend, SluiceConfig.CircuitBreaker config) {
        return Guard.create()
                .withDescription("backend " + backend.name())
                .withCircuitBreaker()
                .requestVolumeThreshold(Math.max(1, config.requestVolume()))
                .failureRatio(config.failureRatio())
                .delay(Math.max(1, config.delay().toMillis()), ChronoUnit.MILLIS)
                .when(UpstreamFailure::tripsBreaker)
                .onStateChange(backend::breakerStateChanged)
                .done()
                .withThreadOffload(false)
                .build();
    }
}
