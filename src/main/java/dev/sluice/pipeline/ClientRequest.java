package dev.sluice.pipeline;

import dev.sluice.body.BodyScanner;
import dev.sluice.body.RequestBody;
import dev.sluice.routing.ModelRoute;
import dev.sluice.translate.InvalidProviderResponse;
import dev.sluice.translate.TranslatedRequest;
import dev.sluice.translate.Translation;
import dev.sluice.upstream.OutgoingRequest;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.util.HashMap;
import java.util.Map;

/**
 * The client's request as each model's backends get it: the request-side seam of the path. For a model of the
 * client's protocol it is the identity — the client's path and query, the body byte for byte with only the
 * {@code model} value's bytes replaced; for a model of the other protocol it is the translated request (contract
 * §9), built once per model and kept for the retries and for the answer's translation.
 *
 * <p>Confined to the event loop of the client's connection.
 */
final class ClientRequest implements OutgoingRequest {

    private final Exchange exchange;
    /** Translated requests by model name; most requests never translate, so it starts small. */
    private Map<String, TranslatedRequest> translated;
    private RequestBody withTree;

    ClientRequest(Exchange exchange) {
        this.exchange = exchange;
    }

    /** The translation between the client and this model's backends, or null when they speak the same protocol. */
    Translation translation(ModelRoute model) {
        return Translation.between(exchange.endpoint().protocol(), model.protocol());
    }

    /**
     * The request translated for this model, or null when it needs no translation.
     *
     * @throws dev.sluice.error.ProxyError {@code unsupported_parameter} when the model's protocol cannot carry a
     *     parameter of the request
     */
    TranslatedRequest translatedFor(ModelRoute model) {
        Translation translation = translation(model);
        if (translation == null) {
            return null;
        }
        if (translated == null) {
            translated = new HashMap<>(2);
        }
        TranslatedRequest request = translated.get(model.name());
        if (request == null) {
            request = translation.request(tree(), model.upstreamModel(), model.defaultMaxTokens(),
                    model.maxOutputTokens());
            translated.put(model.name(), request);
        }
        return request;
    }

    /** The body's tree: the scan's, or (validation off and no limit to settle) a second scan that builds it. */
    private com.fasterxml.jackson.databind.node.ObjectNode tree() {
        RequestBody body = exchange.body();
        if (body.tree() != null) {
            return body.tree();
        }
        if (withTree == null) {
            withTree = BodyScanner.rescanWithTree(body);
        }
        return withTree.tree();
    }

    @Override
    public String requestId() {
        return exchange.requestId();
    }

    @Override
    public MultiMap clientHeaders() {
        return exchange.request().headers();
    }

    @Override
    public String uri(ModelRoute model) {
        Translation translation = translation(model);
        if (translation == null) {
            return exchange.upstreamTarget();
        }
        String query = translation.backendQuery(exchange.request().query());
        return query == null ? translation.backendPath() : translation.backendPath() + "?" + query;
    }

    @Override
    public Buffer body(ModelRoute model) {
        TranslatedRequest request = translatedFor(model);
        return request != null ? request.body()
                : exchange.body().forUpstream(model.upstreamModel(), model.maxOutputTokens());
    }

    @Override
    public String clientModel() {
        return exchange.body() != null ? exchange.body().model() : null;
    }

    @Override
    public boolean identityEncoding() {
        return exchange.ticket().usage() != null;
    }

    @Override
    public void adjustHeaders(ModelRoute model, MultiMap upstreamHeaders) {
        Translation translation = translation(model);
        if (translation != null) {
            translation.adjustUpstreamHeaders(upstreamHeaders);
        }
    }

    @Override
    public boolean readsWholeAnswer(ModelRoute model) {
        return translation(model) != null;
    }

    @Override
    public Buffer answer(ModelRoute model, Buffer backendAnswer) {
        try {
            return translatedFor(model).answer(backendAnswer);
        } catch (InvalidProviderResponse unreadable) {
            throw new InvalidAnswer(unreadable.getMessage());
        }
    }
}
