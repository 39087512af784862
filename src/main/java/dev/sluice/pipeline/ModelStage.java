package dev.sluice.pipeline;

import dev.sluice.auth.ApiKey;
import dev.sluice.body.RequestBody;
import dev.sluice.config.SluiceConfig;
import dev.sluice.error.ErrorCode;
import dev.sluice.error.ProxyError;
import dev.sluice.routing.Catalog;
import dev.sluice.routing.ModelRoute;
import dev.sluice.routing.Protocol;
import dev.sluice.validation.RequestValidator;
import dev.sluice.validation.TokenEstimator;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;

/**
 * The model (contract §5): one the key may reach on this endpoint's protocol, else 404 {@code model_not_found}
 * listing those it may; then the checks that depend on it (unsupported parameters, context length). The prompt's
 * tokens are estimated here, once, when the context check or the account's token and credit limits need them.
 */
@Singleton
final class ModelStage implements Stage {

    private final boolean validate;

    ModelStage(SluiceConfig config) {
        this.validate = config.validation().enabled();
    }

    @Override
    public Future<Step> apply(Exchange exchange) {
        RequestBody body = exchange.body();
        Protocol protocol = exchange.endpoint().protocol();
        Catalog catalog = exchange.generation().catalog();
        ModelRoute model = catalog.model(body.model());
        if (model == null || model.protocol() != protocol || !exchange.key().allowsModel(model.name())) {
            List<String> available = new ArrayList<>();
            for (ModelRoute candidate : reachableModels(catalog, protocol, exchange.key())) {
                available.add(candidate.name());
            }
            return Step.fail(ProxyError.of(ErrorCode.MODEL_NOT_FOUND,
                    "The model '" + body.model() + "' does not exist or this key cannot use it.", "model")
                    .with("available_models", new JsonArray(available)));
        }
        boolean contextCheck = validate && model.hasContextWindow();
        long promptTokens = contextCheck || exchange.account().settles()
                ? TokenEstimator.promptTokens(exchange.endpoint(), body.tree()) : 0;
        exchange.model(model, promptTokens);
        if (validate) {
            RequestValidator.checkForModel(exchange.endpoint(), body.tree(), model, body.maxTokens(), promptTokens,
                    reachableModels(catalog, protocol, exchange.key()));
        }
        return Step.NEXT;
    }

    /** The models this key may use on this protocol, in configuration order. */
    private static List<ModelRoute> reachableModels(Catalog catalog, Protocol protocol, ApiKey key) {
        List<ModelRoute> reachable = new ArrayList<>();
        for (ModelRoute candidate : catalog.models()) {
            if (candidate.protocol() == protocol && key.allowsModel(candidate.name())) {
                reachable.add(candidate);
            }
        }
        return reachable;
    }
}
