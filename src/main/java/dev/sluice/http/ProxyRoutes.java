package dev.sluice.http;

import dev.sluice.app.SluiceRuntime;
import dev.sluice.auth.ApiKey;
import dev.sluice.body.BodyScanner;
import dev.sluice.body.RequestBody;
import dev.sluice.error.ErrorCode;
import dev.sluice.error.ProxyError;
import dev.sluice.limits.AccountLimits;
import dev.sluice.limits.Admission;
import dev.sluice.limits.Credits;
import dev.sluice.limits.Lease;
import dev.sluice.limits.UsageTap;
import dev.sluice.routing.ModelRoute;
import dev.sluice.routing.Protocol;
import dev.sluice.validation.RequestValidator;
import dev.sluice.validation.TokenEstimator;
import io.vertx.core.Vertx;
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

    @Inject
    Vertx vertx;

    @Inject
    InFlight inFlight;

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
        request.response().closeHandler(closed -> exchange.clientWentAway());
        inFlight.add(exchange);
        boolean accessLog = runtime.config().accessLog().enabled() && AccessLog.enabled();
        exchange.onFinish(outcome -> {
            runtime.metrics().finished(exchange, outcome, exchange.account() == null ? null : exchange.account().account());
            if (accessLog) {
                AccessLog.log(exchange, outcome);
            }
        });
        if (inFlight.draining()) {
            // shutting down: answer this request, then let the client reconnect to another instance
            request.response().headers().set("connection", "close");
        }
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
        AccountLimits account = runtime.accounts().get(key.account());
        exchange.account(account);
        runtime.metrics().started(account.account());
        switch (endpoint) {
            case MODELS -> listModels(exchange, key);
            case USAGE -> usage(exchange, account);
            default -> readAndForward(exchange, key, account);
        }
    }

    private void readAndForward(Exchange exchange, ApiKey key, AccountLimits account) {
        HttpServerRequest request = exchange.request();
        long limit = runtime.config().maxBodySize().asLongValue();
        if (BodyReader.declaredLength(request) > limit) {
            // a known size over the limit is refused before the media type check and before a byte is read
            throw BodyReader.tooLarge(limit);
        }
        if (!MediaTypes.readAsJson(request.getHeader("content-type"))) {
            throw ProxyError.of(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                    "Content type '" + request.getHeader("content-type") + "' is not supported; send application/json.");
        }
        BodyReader.read(request, limit).onComplete(read -> {
            if (read.failed()) {
                fail(exchange, read.cause());
                return;
            }
            try {
                check(exchange, key, account, read.result());
                admitAndForward(exchange, account);
            } catch (ProxyError error) {
                ErrorResponder.send(exchange, error);
            } catch (RuntimeException unexpected) {
                failUnexpectedly(exchange, unexpected);
            }
        });
    }

    /** JSON, schema, tools, model, parameters, context length: everything that needs no round trip (§5). */
    private void check(Exchange exchange, ApiKey key, AccountLimits account, BodyReader read) {
        boolean validate = runtime.config().validation().enabled();
        RequestBody body = BodyScanner.scan(read.bytes(), read.length(), validate || account.settles());
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
    }

    /**
     * Admits the request against its account's limits (one store round trip), then forwards it. The slot is held
     * until the exchange ends, renewed while it runs, and its reservations are settled from the answer's usage.
     */
    private void admitAndForward(Exchange exchange, AccountLimits account) {
        ModelRoute model = exchange.model();
        RequestBody body = exchange.body();
        long promptTokens = account.settles() ? TokenEstimator.promptTokens(exchange.endpoint(), body.tree()) : 0;
        long maxTokens = body.maxTokens() != null ? body.maxTokens() : model.defaultMaxTokens();
        long tokens = account.tokensPerMinute() != null ? promptTokens + maxTokens : 0;
        long cost = account.credits() != null ? Credits.toMicrosCeil(model.price().cost(promptTokens, maxTokens)) : 0;
        Admission admission = runtime.admission();
        admission.admit(account, exchange.requestId() + "/" + Long.toHexString(System.nanoTime()), tokens, cost)
                .onComplete(admitted -> {
                    if (admitted.failed()) {
                        fail(exchange, admitted.cause());
                        return;
                    }
                    Admission.Ticket ticket = admitted.result();
                    UsageTap usage = account.settles() && ticket.lease() != null ? new UsageTap() : null;
                    holdUntilFinished(exchange, ticket.lease(), usage);
                    if (exchange.clientGone()) {
                        exchange.finish(new Exchange.Outcome(499, "client_closed", "router", model.name(), null, 0, true));
                        return;
                    }
                    ticket.headers().forEach(exchange.response().headers()::set);
                    exchange.responseTap(usage);
                    runtime.forwarder().forward(exchange);
                });
    }

    /** Renews the lease while the exchange runs; releases and settles it when the exchange ends. */
    private void holdUntilFinished(Exchange exchange, Lease lease, UsageTap usage) {
        if (lease == null) {
            return;
        }
        Admission admission = runtime.admission();
        long renewEvery = Math.max(1000, admission.leaseMillis() / 3);
        long renewal = lease.limits().concurrency() != null
                ? vertx.setPeriodic(renewEvery, id -> admission.renew(lease)) : -1;
        exchange.onFinish(outcome -> {
            if (renewal >= 0) {
                vertx.cancelTimer(renewal);
            }
            long actualTokens = 0;
            long actualCost = 0;
            if (exchange.responseStarted()) {
                // answered: the real usage when the answer carried it, else the estimate stands
                actualTokens = lease.reservedTokens();
                actualCost = lease.reservedCostMicros();
                ModelRoute served = runtime.catalog().model(outcome.servedModel());
                if (usage != null && usage.found() && served != null) {
                    actualTokens = usage.inputTokens() + usage.outputTokens();
                    actualCost = Credits.toMicros(served.price().cost(usage.inputTokens(), usage.outputTokens()));
                }
            }
            admission.release(lease, actualTokens, actualCost);
        });
    }

    private void usage(Exchange exchange, AccountLimits account) {
        runtime.admission().usage(account).onComplete(report -> {
            if (report.failed()) {
                fail(exchange, report.cause());
                return;
            }
            exchange.response().putHeader("content-type", "application/json").end(report.result().toBuffer());
            exchange.finish(new Exchange.Outcome(200, "ok", "provider", null, null, 0, false));
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
        exchange.finish(new Exchange.Outcome(200, "ok", "provider", null, null, 0, false));
    }

    private void fail(Exchange exchange, Throwable failure) {
        if (failure instanceof ProxyError error) {
            ErrorResponder.send(exchange, error);
        } else if (!exchange.request().isEnded() || exchange.clientGone()) {
            // the client's connection failed while its body was being read: nobody is left to answer
            exchange.markClientGone();
            exchange.finish(new Exchange.Outcome(499, "client_closed", "router", null, null, 0, true));
        } else {
            failUnexpectedly(exchange, failure instanceof RuntimeException runtime ? runtime : new IllegalStateException(failure));
        }
    }

    private void failUnexpectedly(Exchange exchange, RuntimeException unexpected) {
        LOGGER.errorf(unexpected, "request_id=%s unexpected failure", exchange.requestId());
        ErrorResponder.send(exchange, ProxyError.of(ErrorCode.INTERNAL_ERROR, "The proxy failed unexpectedly."));
    }
}
