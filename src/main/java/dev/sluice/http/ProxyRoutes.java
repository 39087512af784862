package dev.sluice.http;

import dev.sluice.app.SluiceRuntime;
import dev.sluice.auth.ApiKey;
import dev.sluice.body.BodyScanner;
import dev.sluice.body.RequestBody;
import dev.sluice.error.ErrorCode;
import dev.sluice.error.ProxyError;
import dev.sluice.routing.ModelRoute;
import dev.sluice.routing.Protocol;
import dev.sluice.validation.RequestValidator;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The request path for everything under {@code /v1}: request id, endpoint and method, key, size, media type, JSON,
 * model, then forwarding (contract §5 gives the order). A Vert.x route rather than a JAX-RS resource so that the
 * body is read once into one array and the answer is streamed through without an intermediate copy.
 */
@ApplicationScoped
public class ProxyRoutes {

    private static final Logger LOGGER = Logger.getLogger(ProxyRoutes.class);
    private static final long STARTED_EPOCH_SECONDS = System.currentTimeMillis() / 1000;

    @Inject
    SluiceRuntime runtime;

    void register(@Observes Router router) {
        router.route().pathRegex("/v1(/.*)?").order(-1000).handler(this::handle);
    }

    void handle(RoutingContext context) {
        HttpServerRequest request = context.request();
        String path = request.path();
        String requestId = RequestIds.resolve(request.headers().getAll(RequestIds.HEADER));
        boolean anthropic = Endpoint.anthropicPath(path);
        request.response().headers().set(RequestIds.HEADER, requestId);
        if (anthropic) {
            request.response().headers().set("request-id", requestId);
        }
        Exchange exchange = new Exchange(request, requestId, Endpoint.byPath(path), anthropic);
        try {
            route(exchange);
        } catch (ProxyError error) {
            ErrorResponder.send(exchange, error);
        } catch (RuntimeException unexpected) {
            failUnexpectedly(exchange, unexpected);
        }
    }

    private void route(Exchange exchange) {
        HttpServerRequest request = exchange.request();
        Endpoint endpoint = exchange.endpoint();
        if (endpoint == null) {
            throw ProxyError.of(ErrorCode.NOT_FOUND, "There is no endpoint at " + request.method() + " " + request.path() + ".");
        }
        if (!endpoint.method().equals(request.method().name())) {
            throw ProxyError.of(ErrorCode.METHOD_NOT_ALLOWED,
                    request.path() + " does not accept " + request.method() + "; use " + endpoint.method() + ".")
                    .header("allow", endpoint.method());
        }
        ApiKey key = runtime.keys().authenticate(request.headers());
        if (key == null) {
            throw ProxyError.of(ErrorCode.HTTP_401, "A valid API key is required (Authorization: Bearer or x-api-key).");
        }
        if (!key.allows(endpoint.protocol())) {
            throw ProxyError.of(ErrorCode.HTTP_403, "This key may not use the " + endpoint.protocol().wire() + " API.");
        }
        exchange.account(key);
        switch (endpoint) {
            case MODELS -> listModels(exchange, key);
            case USAGE -> throw ProxyError.of(ErrorCode.NOT_FOUND, "Usage reporting is not enabled.");
            default -> readAndForward(exchange, key);
        }
    }

    private void readAndForward(Exchange exchange, ApiKey key) {
        HttpServerRequest request = exchange.request();
        long limit = runtime.config().maxBodySize().asLongValue();
        if (BodyReader.declaredLength(request) > limit) {
            // a known size over the limit is refused before the media type check and before a byte is read
            throw BodyReader.tooLarge(limit);
        }
        if (!MediaTypes.readAsJson(request.getHeader("content-type"))) {
            throw ProxyError.of(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                    "Content type '" + request.getHeader("content-type") + "' is not supported; send application/json.")
                    .header("connection", "close");
        }
        BodyReader.read(request, limit).onComplete(read -> {
            if (read.failed()) {
                fail(exchange, read.cause());
                return;
            }
            try {
                boolean validate = runtime.config().validation().enabled();
                RequestBody body = BodyScanner.scan(read.result().bytes(), read.result().length(), validate);
                exchange.body(body);
                if (validate) {
                    RequestValidator.checkShape(exchange.endpoint(), body.tree());
                }
                Protocol protocol = exchange.endpoint().protocol();
                ModelRoute model = resolveModel(body.model(), protocol, key);
                exchange.model(model);
                if (validate) {
                    RequestValidator.checkForModel(exchange.endpoint(), body.tree(), model, body.maxTokens(),
                            reachableModels(protocol, key));
                }
                runtime.forwarder().forward(exchange);
            } catch (ProxyError error) {
                ErrorResponder.send(exchange, error);
            } catch (RuntimeException unexpected) {
                failUnexpectedly(exchange, unexpected);
            }
        });
    }

    /** The model the key may reach on this protocol, or {@code model_not_found} listing those it may. */
    private ModelRoute resolveModel(String name, Protocol protocol, ApiKey key) {
        ModelRoute model = runtime.catalog().model(name);
        if (model != null && model.protocol() == protocol && key.allowsModel(name)) {
            return model;
        }
        List<String> available = new ArrayList<>();
        for (ModelRoute candidate : reachableModels(protocol, key)) {
            available.add(candidate.name());
        }
        throw ProxyError.of(ErrorCode.MODEL_NOT_FOUND, "The model '" + name + "' does not exist or this key cannot use it.",
                "model").with("available_models", new JsonArray(available));
    }

    /** The models this key may use on this protocol, in configuration order. */
    private List<ModelRoute> reachableModels(Protocol protocol, ApiKey key) {
        List<ModelRoute> reachable = new ArrayList<>();
        for (ModelRoute candidate : runtime.catalog().models()) {
            if (candidate.protocol() == protocol && key.allowsModel(candidate.name())) {
                reachable.add(candidate);
            }
        }
        return reachable;
    }

    private void listModels(Exchange exchange, ApiKey key) {
        JsonArray data = new JsonArray();
        for (ModelRoute model : runtime.catalog().models()) {
            if (key.allowsModel(model.name())) {
                data.add(new JsonObject().put("id", model.name()).put("object", "model")
                        .put("created", STARTED_EPOCH_SECONDS).put("owned_by", "sluice"));
            }
        }
        exchange.response().putHeader("content-type", "application/json")
                .end(new JsonObject().put("object", "list").put("data", data).toBuffer());
        exchange.finish(new Exchange.Outcome(200, "ok", "router", null, null, 0, false));
    }

    private void fail(Exchange exchange, Throwable failure) {
        if (failure instanceof ProxyError error) {
            ErrorResponder.send(exchange, error);
        } else {
            // the client's connection failed while its body was being read: nobody is left to answer
            exchange.markClientGone();
            exchange.finish(new Exchange.Outcome(499, "client_closed", "router", null, null, 0, true));
        }
    }

    private void failUnexpectedly(Exchange exchange, RuntimeException unexpected) {
        LOGGER.errorf(unexpected, "request_id=%s unexpected failure", exchange.requestId());
        ErrorResponder.send(exchange, ProxyError.of(ErrorCode.INTERNAL_ERROR, "The proxy failed unexpectedly."));
    }
}
