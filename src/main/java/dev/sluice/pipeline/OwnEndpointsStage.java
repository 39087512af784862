package dev.sluice.pipeline;

import dev.sluice.limits.Admission;
import dev.sluice.routing.ModelRoute;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Singleton;

/**
 * The endpoints the proxy answers itself (contract §1): {@code GET /v1/models}, the key's models, and
 * {@code GET /v1/usage}, its account's counters (limited by {@code control-plane-rate}). Other endpoints go on.
 */
@Singleton
final class OwnEndpointsStage implements Stage {

    private static final long STARTED_EPOCH_SECONDS = System.currentTimeMillis() / 1000;

    private final Admission admission;

    OwnEndpointsStage(Admission admission) {
        this.admission = admission;
    }

    @Override
    public Future<Step> apply(Exchange exchange) {
        return switch (exchange.endpoint()) {
            case MODELS -> Step.answer(models(exchange).toBuffer());
            case USAGE -> admission.usage(exchange.account()).map(report -> new Step.Answer(report.toBuffer()));
            default -> Step.NEXT;
        };
    }

    private JsonObject models(Exchange exchange) {
        JsonArray data = new JsonArray();
        for (ModelRoute model : exchange.generation().catalog().models()) {
            if (exchange.key().allowsModel(model.name())) {
                data.add(new JsonObject().put("id", model.name()).put("object", "model")
                        .put("created", STARTED_EPOCH_SECONDS).put("owned_by", "sluice"));
            }
        }
        return new JsonObject().put("object", "list").put("data", data);
    }
}
