package dev.sluice.upstream;

import dev.sluice.config.SluiceConfig;
import dev.sluice.error.ErrorCode;
import dev.sluice.error.ProxyError;
import dev.sluice.http.ErrorResponder;
import dev.sluice.http.Exchange;
import dev.sluice.routing.Backend;
import dev.sluice.routing.BackendSelector;
import dev.sluice.routing.Catalog;
import dev.sluice.routing.ModelRoute;
import dev.sluice.routing.RetryBudget;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.jboss.logging.Logger;

/**
 * Sends an admitted request to its model's backends (contract §6): picks a backend, calls it through its circuit
 * breaker, retries connection failures and overload answers on backends not yet tried (within {@code retries} and
 * the retry budget), falls back to other models, and relays the answer or the final error.
 *
 * <p>Everything runs on the event loop of the client's connection.
 */
public final class Forwarder {

    private static final Logger LOGGER = Logger.getLogger(Forwarder.class);

    private final Vertx vertx;
    private final UpstreamClients clients;
    private final Catalog catalog;
    private final RetryBudget retryBudget;
    private final Listener listener;
    private final boolean tracing;

    /** Told what happens upstream, for metrics. Called on event loops; must not block. */
    public interface Listener {
        /** A retry, after {@code failed} answered {@code reason} (an attempt code). */
        void retried(Backend failed, String reason);

        /** The backend's response headers came this long after the call started. */
        void firstByte(Backend backend, long nanos);

        /** One attempt ended (failed, answered, or relayed to its end) after this long. */
        void attemptEnded(Backend backend, long nanos);
    }

    public Forwarder(Vertx vertx, Catalog catalog, SluiceConfig.Upstream upstream, RetryBudget retryBudget,
            Listener listener, boolean tracing) {
        this.tracing = tracing;
        this.vertx = vertx;
        this.catalog = catalog;
        this.retryBudget = retryBudget;
        this.listener = listener;
        this.clients = new UpstreamClients(vertx, catalog, upstream);
    }

    public Future<Void> close() {
        return clients.close();
    }

    /**
     * Forwards the exchange; it ends by itself (relayed answer or error envelope). The caller has registered
     * {@link Exchange#clientWentAway()} on the client's connection.
     */
    public void forward(Exchange exchange) {
        retryBudget.recordRequest();
        new Route(exchange).next();
    }

    /** The attempts of one request: the requested model, then its fallbacks, each within its own retries. */
    private final class Route {
        private final Exchange exchange;
        private final List<ModelRoute> chain = new ArrayList<>(2);
        private int modelIndex;
        private int attemptsOnModel;
        private UpstreamFailure lastFailure;
        private boolean allOverloaded = true;
        private long maxRetryAfter;

        Route(Exchange exchange) {
            this.exchange = exchange;
            chain.add(exchange.model());
            for (String fallback : exchange.model().fallbacks()) {
                chain.add(catalog.model(fallback));
            }
        }

        void next() {
            long now = System.nanoTime();
            while (modelIndex < chain.size()) {
                ModelRoute model = chain.get(modelIndex);
                Backend backend = attemptsOnModel <= model.upstream().retries()
                        ? BackendSelector.choose(model.backends(), exchange.tried(), now) : null;
                if (backend != null) {
                    if (!exchange.attempts().isEmpty()) {
                        if (!retryBudget.tryRetry()) {
                            LOGGER.debugf("request_id=%s retry budget spent", exchange.requestId());
                            fail();
                            return;
                        }
                        listener.retried(lastBackend, reasonOf(lastFailure));
                    }
                    attemptsOnModel++;
                    call(model, backend);
                    return;
                }
                modelIndex++;
                attemptsOnModel = 0;
            }
            fail();
        }

        private Backend lastBackend;

        private void call(ModelRoute model, Backend backend) {
            exchange.tried().add(backend);
            backend.acquire();
            long start = System.nanoTime();
            CompletionStage<Object> stage;
            try {
                stage = backend.guard().get(() -> UpstreamCall.start(vertx, clients.clientFor(backend), tracing,
                        exchange, model, backend, nanos -> listener.firstByte(backend, nanos))
                        .map(response -> (Object) response).toCompletionStage());
            } catch (RuntimeException prevented) {
                stage = java.util.concurrent.CompletableFuture.failedStage(prevented);
            }
            stage.whenComplete((result, error) -> {
                if (error != null) {
                    backend.release();
                    exchange.addUpstreamNanos(System.nanoTime() - start);
                    listener.attemptEnded(backend, System.nanoTime() - start);
                    onFailure(model, backend, start, unwrap(error));
                } else {
                    onAnswer(model, backend, start, (UpstreamResponse) result);
                }
            });
        }

        private void onFailure(ModelRoute model, Backend backend, long start, Throwable error) {
            exchange.upstreamRequest(null);
            if (exchange.clientGone()) {
                exchange.finish(new Exchange.Outcome(499, "client_closed", "router", model.name(), backend.name(),
                        exchange.upstreamNanos(), true));
                return;
            }
            if (error instanceof CircuitBreakerOpenException) {
                // the breaker opened between the choice and the call: the backend counts as skipped, not tried
                attemptsOnModel--;
                next();
                return;
            }
            if (!(error instanceof UpstreamFailure failure)) {
                LOGGER.errorf(error, "request_id=%s unexpected failure calling backend %s", exchange.requestId(),
                        backend.name());
                ErrorResponder.send(exchange, ProxyError.of(ErrorCode.INTERNAL_ERROR, "The proxy failed unexpectedly."));
                return;
            }
            long durationMs = (System.nanoTime() - start) / 1_000_000;
            exchange.attempts().add(new Attempt(backend.name(), model.upstreamModel(), attemptCode(failure),
                    failure.kind() == UpstreamFailure.Kind.HTTP ? failure.status() : null, durationMs));
            LOGGER.debugf("request_id=%s backend=%s attempt failed: %s", exchange.requestId(), backend.name(),
                    failure.getMessage());
            lastFailure = failure;
            lastBackend = backend;
            allOverloaded &= failure.overloaded();
            maxRetryAfter = Math.max(maxRetryAfter, failure.retryAfterSeconds());
            if (failure.retryable(model.upstream().retryOnTimeout())) {
                next();
            } else {
                fail();
            }
        }

        private void onAnswer(ModelRoute model, Backend backend, long start, UpstreamResponse answer) {
            if (answer.providerError()) {
                backend.release();
                listener.attemptEnded(backend, System.nanoTime() - start);
                exchange.upstreamRequest(null);
                exchange.addUpstreamNanos(System.nanoTime() - start);
                ErrorResponder.send(exchange, ProviderErrors.from(answer.response().statusCode(), answer.errorBody()));
                return;
            }
            new ResponseRelay(vertx, exchange, model, backend, answer, start, exchange.responseTap(), outcome -> {
                backend.release();
                listener.attemptEnded(backend, System.nanoTime() - start);
                exchange.upstreamRequest(null);
                exchange.finish(outcome);
            }).start();
        }

        /** Answers the final error once nothing more can be tried. */
        private void fail() {
            ModelRoute requested = exchange.model();
            JsonArray attempts = new JsonArray();
            exchange.attempts().forEach(attempt -> attempts.add(attempt.toJson()));
            ProxyError error;
            if (lastFailure == null) {
                error = ProxyError.of(ErrorCode.NO_HEALTHY_BACKENDS,
                        "No healthy backend is available for model '" + requested.name() + "'.");
            } else if (allOverloaded) {
                long retryAfter = Math.max(1, maxRetryAfter);
                ProxyError overloaded = ProxyError.provider(ErrorCode.RATE_LIMIT_EXCEEDED,
                        "Every backend for model '" + requested.name() + "' is rate limited or overloaded.")
                        .with("limit", "provider");
                ErrorResponder.send(exchange, overloaded.header("retry-after", Long.toString(retryAfter)));
                return;
            } else if (lastFailure.isTimeout()) {
                error = ProxyError.of(ErrorCode.BACKEND_TIMEOUT,
                        "The backend for model '" + requested.name() + "' did not answer in time.");
            } else if (lastFailure.kind() == UpstreamFailure.Kind.CONNECT) {
                error = ProxyError.of(ErrorCode.BACKEND_CONNECT_ERROR,
                        "The backend for model '" + requested.name() + "' could not be reached.");
            } else {
                error = ProxyError.of(ErrorCode.BACKEND_HTTP_ERROR,
                        "The backend for model '" + requested.name() + "' failed with HTTP " + lastFailure.status() + ".");
            }
            error.with("model", requested.name()).with("attempts", attempts);
            if (error.is(ErrorCode.BACKEND_HTTP_ERROR)) {
                error.with("upstream_status", lastFailure.status());
            }
            ErrorResponder.send(exchange, error);
        }
    }

    private static String attemptCode(UpstreamFailure failure) {
        return switch (failure.kind()) {
            case CONNECT -> ErrorCode.BACKEND_CONNECT_ERROR.code();
            case TIMEOUT -> ErrorCode.BACKEND_TIMEOUT.code();
            case HTTP -> "http_" + failure.status();
            case CANCELLED -> "client_closed";
        };
    }

    private static String reasonOf(UpstreamFailure failure) {
        return failure == null ? "skipped" : attemptCode(failure);
    }

    private static Throwable unwrap(Throwable error) {
        Throwable current = error;
        while (current instanceof CompletionException && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }
}
