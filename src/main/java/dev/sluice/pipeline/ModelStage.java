package dev.sluice.pipeline;

import dev.sluice.api.Endpoint;
import dev.sluice.auth.ApiKey;
import dev.sluice.body.BodyScanner;
import dev.sluice.body.RequestBody;
import dev.sluice.config.SluiceConfig;
import dev.sluice.error.ErrorCode;
import dev.sluice.error.ProxyError;
import dev.sluice.routing.AutoChoice;
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
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The model (contract §5): one the key may reach on this endpoint (chat completions and messages reach both
 * protocols, through translation), else 404 {@code model_not_found} listing those it may; then the checks that
 * depend on it (unsupported parameters, context length after {@code max-output-tokens}), and for a model of the
 * other protocol the translation of the request (400 {@code unsupported_parameter} for what it cannot carry). The
 * prompt's tokens are estimated here, once, when the context check or the account's token and credit limits need them.
 * {@code model: ""} or {@code "auto"} on chat completions and messages lets the proxy choose (contract §6.7).
 */
@Singleton
final class ModelStage implements Stage {

    private final ProxyMetrics metrics;
    private final boolean validate;

    ModelStage(ProxyMetrics metrics, SluiceConfig config) {
        this.metrics = metrics;
        this.validate = config.validation().enabled();
    }

    @Override
    public Future<Step> apply(Exchange exchange) {
        RequestBody body = exchange.body();
        Endpoint endpoint = exchange.endpoint();
        // the catalogue the request started with: a reload never changes a request under way
        Catalog catalog = exchange.generation().catalog();
        if (AutoChoice.requested(body.model())
                && (endpoint == Endpoint.CHAT_COMPLETIONS || endpoint == Endpoint.MESSAGES)) {
            return chooseModel(exchange);
        }
        ModelRoute model = catalog.model(body.model());
        if (model == null || !endpoint.reaches(model.protocol()) || !exchange.key().allowsModel(model.name())) {
            List<String> available = new ArrayList<>();
            for (ModelRoute candidate : reachableModels(catalog, endpoint, exchange.key())) {
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
                    promptTokens, () -> reachableModels(catalog, endpoint, exchange.key()));
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

    /**
     * Automatic model choice (contract §6.7): the cheapest of the key's {@code auto} models reachable here that can
     * serve the request serves it, the others follow as its fallbacks; none left is 503 {@code model_router_error}.
     * The checks that depend on the model (context window, unsupported parameters — a parameter the translation
     * to a model's protocol cannot carry included) are the choice's filters.
     */
    private Future<Step> chooseModel(Exchange exchange) {
        if (exchange.body().tree() == null) {
            // scanned without its tree (checks off, nothing to settle): the filters need the fields and the prompt
            exchange.body(BodyScanner.rescanWithTree(exchange.body()));
        }
        RequestBody body = exchange.body();
        Endpoint endpoint = exchange.endpoint();
        List<ModelRoute> keyModels = new ArrayList<>();
        for (ModelRoute candidate : exchange.generation().catalog().models()) {
            if (exchange.key().allowsModel(candidate.name())) {
                keyModels.add(candidate);
            }
        }
        Set<String> fields = new HashSet<>();
        body.tree().properties().forEach(field -> {
            if (!field.getValue().isNull()) {
                fields.add(field.getKey());
            }
        });
        ClientRequest outgoing = new ClientRequest(exchange);
        long promptTokens = TokenEstimator.promptTokens(endpoint, body.tree());
        AutoChoice.Choice choice = AutoChoice.choose(keyModels, candidate -> endpoint.reaches(candidate.protocol()),
                candidate -> carries(outgoing, candidate), promptTokens, body.maxTokens(), fields, System.nanoTime());
        if (choice instanceof AutoChoice.NoneLeft none) {
            return Step.fail(none.error());
        }
        List<ModelRoute> candidates = ((AutoChoice.Candidates) choice).models();
        exchange.model(candidates.get(0), promptTokens, outgoing);
        exchange.candidates(candidates);
        Translation translation = outgoing.translation(candidates.get(0));
        if (translation != null) {
            exchange.response().headers().set(Translation.HEADER, translation.headerValue());
            metrics.translated(translation.client().wire(), translation.backend().wire());
        }
        return Step.NEXT;
    }

    /**
     * False when the request has a parameter (or a tool's type) that the translation to {@code model}'s protocol
     * cannot carry.
     */
    private static boolean carries(ClientRequest outgoing, ModelRoute model) {
        try {
            outgoing.translatedFor(model);
            return true;
        } catch (ProxyError cannot) {
            if (cannot.is(ErrorCode.UNSUPPORTED_PARAMETER) || cannot.is(ErrorCode.UNSUPPORTED_TOOL_TYPE)) {
                return false;
            }
            throw cannot;
        }
    }

    /** The models this key may use on this endpoint (translation included), in configuration order. */
    private static List<ModelRoute> reachableModels(Catalog catalog, Endpoint endpoint, ApiKey key) {
        List<ModelRoute> reachable = new ArrayList<>();
        for (ModelRoute candidate : catalog.models()) {
            if (endpoint.reaches(candidate.protocol()) && key.allowsModel(candidate.name())) {
                reachable.add(candidate);
            }
        }
        return reachable;
    }
}
