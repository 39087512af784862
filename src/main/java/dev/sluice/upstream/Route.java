package dev.sluice.upstream;

import dev.sluice.error.ErrorCode;
import dev.sluice.error.ProxyError;
import dev.sluice.routing.Backend;
import dev.sluice.routing.BackendSelector;
import dev.sluice.routing.Catalog;
import dev.sluice.routing.ModelRoute;
import dev.sluice.routing.RetryBudget;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.json.JsonArray;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.jboss.logging.Logger;

/**
 * The attempts of one client request: the requested model, then its fallbacks, each within its own retries (contract
 * §6.3). Completes {@link #result()} once with an answer to relay or the error to answer.
 *
 * <p>Confined to the event loop of the client's connection.
 */
public final class Route {

    private static final Logger LOGGER = Logger.getLogger(Route.class);

    /** Calls one backend (through its breaker); completes with a {@link BackendCall.Response} or fails. */
    @FunctionalInterface
    interface Caller {
        CompletionStage<Object> call(OutgoingRequest request, ModelRoute model, Backend backend, Route route);
    }

    private final OutgoingRequest request;
    private final ModelRoute requested;
    private final RetryBudget retryBudget;
    private final Forwarder.Listener listener;
    private final Caller caller;
    private final List<ModelRoute> chain = new ArrayList<>(2);
    private final List<Attempt> attempts = new ArrayList<>(2);
    private final Set<Backend> tried = new HashSet<>(4);
    private final Promise<UpstreamResult> result = Promise.promise();
    private int modelIndex;
    private int attemptsOnModel;
    private UpstreamFailure lastFailure;
    private Backend lastBackend;
    private boolean allOverloaded = true;
    private long maxRetryAfter;
    private long failedNanos;
    private HttpClientRequest inFlight;
    private boolean cancelled;
    private ProxyError cancelAnswer;

    Route(OutgoingRequest request, ModelRoute requested, Catalog catalog, RetryBudget retryBudget,
            Forwarder.Listener listener, Caller caller) {
        this.request = request;
        this.requested = requested;
        this.retryBudget = retryBudget;
        this.listener = listener;
        this.caller = caller;
        chain.add(requested);
        for (String fallback : requested.fallbacks()) {
            chain.add(catalog.model(fallback));
        }
    }

    /** Completes once: an answer to relay, or the error to answer with the attempts that led to it. */
    public Future<UpstreamResult> result() {
        return result.future();
    }

    /**
     * Stops forwarding: the attempt under way is reset (the backend stops at once) and the result, if still
     * pending, completes as cancelled with {@code answer} (client_closed when the client went away; the error to
     * answer when the proxy stops). Call on the client's event loop.
     */
    public void cancel(ProxyError answer) {
        if (cancelled || result.future().isComplete()) {
            return;
        }
        cancelled = true;
        cancelAnswer = answer;
        if (inFlight != null) {
            inFlight.reset();
        }
    }

    void sent(HttpClientRequest upstreamRequest) {
        inFlight = upstreamRequest;
    }

    boolean cancelled() {
        return cancelled;
    }

    /** Tries the next candidate, or ends with the final error when none is left. */
    void next() {
        if (cancelled) {
            completeCancelled();
            return;
        }
        long now = System.nanoTime();
        while (modelIndex < chain.size()) {
            ModelRoute model = chain.get(modelIndex);
            Backend backend = attemptsOnModel <= model.upstream().retries()
                    ? BackendSelector.choose(model.backends(), tried, now) : null;
            if (backend != null) {
                if (!attempts.isEmpty()) {
                    if (!retryBudget.tryRetry()) {
                        LOGGER.debugf("request_id=%s retry budget spent", request.requestId());
                        fail();
                        return;
                    }
                    listener.retried(lastBackend == null ? null : lastBackend.name(), reasonOf(lastFailure));
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

    private void call(ModelRoute model, Backend backend) {
        tried.add(backend);
        backend.acquire();
        long start = System.nanoTime();
        CompletionStage<Object> stage;
        try {
            stage = caller.call(request, model, backend, this);
        } catch (RuntimeException prevented) {
            stage = CompletableFuture.failedStage(prevented);
        }
        stage.whenComplete((answer, error) -> {
            inFlight = null;
            if (error != null) {
                ended(backend, start);
                onFailure(model, backend, start, unwrap(error));
            } else {
                onResponse(model, backend, start, (BackendCall.Response) answer);
            }
        });
    }

    private void ended(Backend backend, long start) {
        long nanos = System.nanoTime() - start;
        backend.release();
        listener.attemptEnded(backend.name(), nanos);
    }

    private void onFailure(ModelRoute model, Backend backend, long start, Throwable error) {
        failedNanos += System.nanoTime() - start;
        if (cancelled) {
            completeCancelled();
            return;
        }
        if (error instanceof CircuitBreakerOpenException) {
            // the breaker opened between the choice and the call: the backend counts as skipped, not tried
            attemptsOnModel--;
            next();
            return;
        }
        if (error instanceof ProxyError cannotTake) {
            // this model cannot take the request (a fallback whose protocol cannot carry one of its parameters):
            // nothing was sent; its backends are skipped
            LOGGER.debugf("request_id=%s model %s skipped: %s", request.requestId(), model.name(), cannotTake.getMessage());
            modelIndex++;
            attemptsOnModel = 0;
            next();
            return;
        }
        if (!(error instanceof UpstreamFailure failure)) {
            LOGGER.errorf(error, "request_id=%s unexpected failure calling backend %s", request.requestId(),
                    backend.name());
            complete(new UpstreamResult.Failed(ProxyError.of(ErrorCode.INTERNAL_ERROR, "The proxy failed unexpectedly."),
                    List.copyOf(attempts), failedNanos, false));
            return;
        }
        long durationMs = (System.nanoTime() - start) / 1_000_000;
        attempts.add(new Attempt(backend.name(), model.upstreamModel(), Attempt.codeOf(failure),
                failure.kind() == UpstreamFailure.Kind.HTTP ? failure.status() : null, durationMs));
        LOGGER.debugf("request_id=%s backend=%s attempt failed: %s", request.requestId(), backend.name(),
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

    private void onResponse(ModelRoute model, Backend backend, long start, BackendCall.Response response) {
        if (response.providerError()) {
            // the backend's own 4xx: the client's fault, answered as the envelope (§3.2), never retried
            ended(backend, start);
            failedNanos += System.nanoTime() - start;
            complete(new UpstreamResult.Failed(ProviderErrors.from(response.response().statusCode(),
                    response.errorBody()), List.copyOf(attempts), failedNanos, false));
            return;
        }
        UpstreamAnswer answer = new UpstreamAnswer(model, backend, response.request(), response.response(),
                response.firstChunk(), response.ended(), start, () -> ended(backend, start));
        if (cancelled) {
            answer.cancel();
            answer.relayEnded();
            completeCancelled();
            return;
        }
        complete(new UpstreamResult.Answered(answer, List.copyOf(attempts), failedNanos));
    }

    private void completeCancelled() {
        complete(new UpstreamResult.Failed(cancelAnswer, List.copyOf(attempts), failedNanos, true));
    }

    private void complete(UpstreamResult outcome) {
        result.tryComplete(outcome);
    }

    /** The final error once nothing more can be tried (contract §6.3). */
    private void fail() {
        JsonArray attemptList = new JsonArray();
        attempts.forEach(attempt -> attemptList.add(attempt.toJson()));
        ProxyError error;
        if (lastFailure == null) {
            error = ProxyError.of(ErrorCode.NO_HEALTHY_BACKENDS,
                    "No healthy backend is available for model '" + requested.name() + "'.");
        } else if (allOverloaded) {
            error = ProxyError.provider(ErrorCode.RATE_LIMIT_EXCEEDED,
                    "Every backend for model '" + requested.name() + "' is rate limited or overloaded.")
                    .with("limit", "provider")
                    .header("retry-after", Long.toString(Math.max(1, maxRetryAfter)));
            complete(new UpstreamResult.Failed(error, List.copyOf(attempts), failedNanos, false));
            return;
        } else if (lastFailure.isTimeout()) {
            error = ProxyError.of(ErrorCode.BACKEND_TIMEOUT,
                    "The backend for model '" + requested.name() + "' did not answer in time.");
        } else if (lastFailure.kind() == UpstreamFailure.Kind.INVALID_ANSWER) {
            error = ProxyError.of(ErrorCode.INVALID_PROVIDER_RESPONSE,
                    "The backend for model '" + requested.name() + "' answered with a body that cannot be read.");
        } else if (lastFailure.kind() == UpstreamFailure.Kind.CONNECT) {
            error = ProxyError.of(ErrorCode.BACKEND_CONNECT_ERROR,
                    "The backend for model '" + requested.name() + "' could not be reached.");
        } else {
            error = ProxyError.of(ErrorCode.BACKEND_HTTP_ERROR,
                    "The backend for model '" + requested.name() + "' failed with HTTP " + lastFailure.status() + ".");
        }
        error.with("model", requested.name()).with("attempts", attemptList);
        if (error.is(ErrorCode.BACKEND_HTTP_ERROR)) {
            error.with("upstream_status", lastFailure.status());
        }
        complete(new UpstreamResult.Failed(error, List.copyOf(attempts), failedNanos, false));
    }

    private static String reasonOf(UpstreamFailure failure) {
        return failure == null ? "skipped" : Attempt.codeOf(failure);
    }

    private static Throwable unwrap(Throwable error) {
        Throwable current = error;
        while (current instanceof CompletionException && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }
}
