package dev.sluice.pipeline;

import dev.sluice.config.SluiceConfig;
import dev.sluice.validation.RequestValidator;
import io.vertx.core.Future;
import jakarta.inject.Singleton;

/** The body's schema and tools for its API shape (contract §5: 422, then the tool checks' 400s). */
@Singleton
final class ShapeStage implements Stage {

    private final boolean validate;

    ShapeStage(SluiceConfig config) {
        this.validate = config.validation().enabled();
    }

    @Override
    public Future<Step> apply(Exchange exchange) {
        if (validate) {
            RequestValidator.checkShape(exchange.endpoint(), exchange.body().tree());
        }
        return Step.NEXT;
    }
}
