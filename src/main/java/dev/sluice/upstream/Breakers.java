package dev.sluice.upstream;

import dev.sluice.config.SluiceConfig;
import dev.sluice.routing.Backend;
import io.smallrye.faulttolerance.api.TypedGuard;
import jakarta.enterprise.util.TypeLiteral;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.CompletionStage;

/** The circuit breaker of each backend (contract §6.5). */
public final class Breakers {

    private static final TypeLiteral<CompletionStage<Object>> GUARDED_CALL = new TypeLiteral<>() {
    };

    private Breakers() {
    }

    /**
     * A SmallRye Fault Tolerance breaker: it counts {@link UpstreamFailure#tripsBreaker} failures, runs on the calling
     * event loop (no thread offload) and reports its state to the backend so that an open one is skipped.
     */
    public static TypedGuard<CompletionStage<Object>> smallRye(Backend backend, SluiceConfig.CircuitBreaker config) {
        return TypedGuard.create(GUARDED_CALL)
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
