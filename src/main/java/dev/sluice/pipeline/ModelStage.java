package dev.sluice.pipeline;

import dev.sluice.api.Endpoint;
import dev.sluice.auth.ApiKey;
import dev.sluice.body.RequestBody;
import dev.sluice.config.SluiceConfig;
import dev.sluice.error.ErrorCode;
import dev.sluice.error.ProxyError;
import dev.sluice.routing.Catalog;
import dev.sluice.routing.ModelRoute;
import dev.sluice.metrics.ProxyMetrics;
import dev.sluice.translate.Translation;
import dev.sluice.validation.RequestValidator;
import dev.sluice.validation.TokenEstimator;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;

/**
 * The model (contract §5): one the key may reach on this endpoint (chat completions and messages reach both
 * protocols, through translation), else 404 {@code model_not_found} listing those it may; then the checks that
 * depend on it (unsupported parameters, context length after {@code max-output-tokens}), and for a model of the
 * other protocol the translation of the request (400 {@code unsupported_parameter} for what it cannot carry). The
 * prompt's tokens are estimated here, once, when the context check or the account's token and credit limits need them.
 */
@Singleton
final class ModelStage implements Stage {

    private final Catalog catalog;
    private final ProxyMetrics metrics;
    private final boolean validate;

    ModelStage(Catalog catalog, ProxyMetrics metrics, SluiceConfig config) {
        this.catalog = catalog;
        this.metrics = metrics;
        this.validate = config.validation().enabled();
    }

    @Override
    public Future<Step> apply(Exchange exchange) {
        RequestBody body = exchange.body();
        Endpoint endpoint = exchange.endpoint();
        ModelRoute model = catalog.model(body.model());
        if (model == null || !endpoint.reaches(model.protocol()) || !exchange.key().allowsModel(model.name())) {
            List<String> available = new ArrayList<>();
            for (ModelRoute candidate : reachableModels(endpoint, exchange.key())) {
                available.add(candidate.name());
            }
            return Step.fail(ProxyError.of(ErrorCode.MODEL_NOT_FOUND,
                    "The model '" + body.model() + "' does not exist or this key cannot use it.", "model")
                    .with("available_models", new JsonArray(available)));
        }
        boolean contextCheck = validate && model.hasContextWindow();
        long promptTokens = contextCheck || exchange.account().settles()
                ? TokenEstimator.promptTokens(endpoint, body.tree()) : 0;
        ClientRequest outgoing = new ClientRequest(exchange);
        exchange.model(model, promptTokens, outgoing);
        if (validate) {
            RequestValidator.checkForModel(endpoint, body.tree(), model, model.cappedMaxTokens(body.maxTokens()),
                    promptTokens, reachableModels(endpoint, exchange.key()));
        }
        Translation translation = outgoing.translation(model);
        if (translation != null) {
            // translated now, so that a parameter the backend's protocol cannot carry is refused before anything is sent
            outgoing.translatedFor(model);
            exchange.response().headers().set(Translation.HEADER, translation.headerValue());
            metrics.translated(translation.client().wire(), translation.backend().wire());
        }
        return Step.NEXT;
    }

    /** The models this key may use on this endpoint (translation included), in configuration order. */
    private List<ModelRoute> reachableModels(Endpoint endpoint, ApiKey key) {
        List<ModelRoute> reachable = new ArrayList<>();
        for (ModelRoute candidate : catalog.models()) {
            if (endpoint.reaches(candidate.protocol()) && key.allowsModel(candidate.name())) {
                reachable.add(candidate);
            }
        }
        return reachable;
    }
}
