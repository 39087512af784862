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
import dev.sluice.routing.Protocol;
import dev.sluice.validation.RequestValidator;
import dev.sluice.validation.TokenEstimator;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The model (contract §5): one the key may reach on this endpoint's protocol, else 404 {@code model_not_found}
 * listing those it may; then the checks that depend on it (unsupported parameters, context length). The prompt's
 * tokens are estimated here, once, when the context check or the account's token and credit limits need them.
 * {@code model: ""} or {@code "auto"} on chat completions and messages lets the proxy choose (contract §6.7).
 */
@Singleton
final class ModelStage implements Stage {

    private final Catalog catalog;
    private final boolean validate;

    ModelStage(Catalog catalog, SluiceConfig config) {
        this.catalog = catalog;
        this.validate = config.validation().enabled();
    }

    @Override
    public Future<Step> apply(Exchange exchange) {
        RequestBody body = exchange.body();
        Protocol protocol = exchange.endpoint().protocol();
        if (AutoChoice.requested(body.model())
                && (exchange.endpoint() == Endpoint.CHAT_COMPLETIONS || exchange.endpoint() == Endpoint.MESSAGES)) {
            return chooseModel(exchange);
        }
        ModelRoute model = catalog.model(body.model());
        if (model == null || model.protocol() != protocol || !exchange.key().allowsModel(model.name())) {
            List<String> available = new ArrayList<>();
            for (ModelRoute candidate : reachableModels(protocol, exchange.key())) {
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
                    reachableModels(protocol, exchange.key()));
        }
        return Step.NEXT;
    }

    /**
     * Automatic model choice (contract §6.7): the cheapest of the key's {@code auto} models reachable here that can
     * serve the request serves it, the others follow as its fallbacks; none left is 503 {@code model_router_error}.
     * The checks that depend on the model (context window, unsupported parameters) are the choice's filters.
     */
    private Future<Step> chooseModel(Exchange exchange) {
        RequestBody body = exchange.body();
        if (body.tree() == null) {
            // scanned without its tree (checks off, nothing to settle): the filters need the fields and the prompt
            Buffer bytes = body.original();
            body = BodyScanner.scan(bytes.getBytes(), bytes.length(), true);
            exchange.body(body);
        }
        Protocol protocol = exchange.endpoint().protocol();
        List<ModelRoute> keyModels = new ArrayList<>();
        for (ModelRoute candidate : catalog.models()) {
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
        long promptTokens = TokenEstimator.promptTokens(exchange.endpoint(), body.tree());
        AutoChoice.Choice choice = AutoChoice.choose(keyModels, candidate -> candidate.protocol() == protocol,
                promptTokens, body.maxTokens(), fields, System.nanoTime());
        if (choice instanceof AutoChoice.NoneLeft none) {
            return Step.fail(none.error());
        }
        List<ModelRoute> candidates = ((AutoChoice.Candidates) choice).models();
        exchange.model(candidates.get(0), promptTokens);
        exchange.candidates(candidates);
        return Step.NEXT;
    }

    /** The models this key may use on this protocol, in configuration order. */
    private List<ModelRoute> reachableModels(Protocol protocol, ApiKey key) {
        List<ModelRoute> reachable = new ArrayList<>();
        for (ModelRoute candidate : catalog.models()) {
            if (candidate.protocol() == protocol && key.allowsModel(candidate.name())) {
                reachable.add(candidate);
            }
        }
        return reachable;
    }
}
