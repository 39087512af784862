package dev.sluice.upstream;

import dev.sluice.config.SluiceConfig;
import dev.sluice.routing.Backend;
import dev.sluice.routing.Catalog;
import dev.sluice.routing.ModelRoute;
import dev.sluice.routing.RetryBudget;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import jakarta.enterprise.util.TypeLiteral;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Sends an admitted request to its model's backends (contract §6): picks a backend, calls it through its circuit
 * breaker, retries connection failures and overload answers on backends not yet tried (within {@code retries} and
 * the retry budget), falls back to other models, and hedges or races the candidates of a model with {@code hedge}.
 * It answers with an {@link UpstreamResult} and never writes to the client nor touches limits.
 *
 * <p>Thread-safe; everything of one request runs on the event loop of its client's connection.
 */
public final class Forwarder {

    private static final TypeLiteral<CompletionStage<Object>> GUARDED_CALL = new TypeLiteral<>() {
    };

    private final Vertx vertx;
    private final UpstreamClients clients;
    private final Catalog catalog;
    private final RetryBudget retryBudget;
    private final Listener listener;
    private final boolean tracing;
    private final Route.Timers timers;

    /** Told what happens upstream, for metrics. Called on event loops; must not block. */
    public interface Listener {
        /** A retry, after {@code failedBackend} (null: none was tried) answered {@code reason} (an attempt code). */
        void retried(String failedBackend, String reason);

        /** The backend's response headers came this long after the call started. */
        void firstByte(String backend, long nanos);

        /**
         * A call to {@code backend} waits for a turn to connect: {@code sluice.upstream.max-connecting} requests to its
         * host and port are waiting for connections ({@link ConnectGate}).
         */
        void waitedToConnect(String backend);

        /** One attempt ended (failed, answered, or relayed to its end) after this long. */
        void attemptEnded(String backend, long nanos);

        /**
         * One attempt of a request for a model with {@code hedge} ended: {@code won} (its answer is relayed),
         * {@code cancelled} (another answered first, or the request ended), {@code failed}.
         *
         * @param model the model the request is for (the one whose hedge applies)
         */
        void hedged(String model, String outcome);
    }

    public Forwarder(Vertx vertx, Catalog catalog, SluiceConfig.Upstream upstream, RetryBudget retryBudget,
            Listener listener, boolean tracing) {
        this.tracing = tracing;
        this.vertx = vertx;
        this.catalog = catalog;
        this.retryBudget = retryBudget;
        this.listener = listener;
        this.clients = new UpstreamClients(vertx, catalog, upstream);
        this.timers = new Route.Timers() {
            @Override
            public long set(long delayMillis, Runnable task) {
                return vertx.setTimer(delayMillis, id -> task.run());
            }

            @Override
            public void cancel(long id) {
                vertx.cancelTimer(id);
            }
        };
    }

    public Future<Void> close() {
        return clients.close();
    }

    /** The clients that reach the backends, which the health checks share. */
    UpstreamClients clients() {
        return clients;
    }

    /**
     * Starts forwarding {@code request} for {@code model} (then its fallbacks). Call on the client's event loop.
     *
     * @return the attempts under way, whose {@link Route#result()} completes once there is an answer to relay or
     *     nothing more to try
     */
    public Route forward(OutgoingRequest request, ModelRoute model) {
        return forward(request, model, catalog);
    }

    /**
     * Starts forwarding {@code request} for {@code model} (then its fallbacks, as {@code catalog} names them: the
     * catalogue the request started with, so that a reload never changes a request under way).
     */
    public Route forward(OutgoingRequest request, ModelRoute model, Catalog catalog) {
        List<ModelRoute> chain = new ArrayList<>(1 + model.fallbacks().size());
        chain.add(model);
        for (String fallback : model.fallbacks()) {
            chain.add(catalog.model(fallback));
        }
        return forward(request, chain);
    }

    /**
     * Starts forwarding {@code request} to an explicit chain of candidates: the first model serves, the others are
     * its fallbacks in this order (their own fallbacks are not followed). The first model's {@code hedge} applies.
     * Call on the client's event loop.
     */
    public Route forward(OutgoingRequest request, List<ModelRoute> candidates) {
        retryBudget.recordRequest();
        Route route = new Route(request, candidates, retryBudget, listener, this::call, timers);
        route.start();
        return route;
    }

    /**
     * One attempt at one backend, through its circuit breaker.
     *
     * <p>While the breaker is closed the call starts at once, and when it ends the breaker is told its outcome in a
     * synchronous guarded call that replays it, on the event loop that heard it, before the route hears it. The
     * asynchronous guard would cost two more tasks of the event loop per call: SmallRye Fault Tolerance runs a guarded
     * call in a task of the event loop even without thread offload (its {@code RememberEventLoop} step), capturing the
     * thread context for it, and hands the outcome on in another. A call that ends after other calls' failures opened
     * the breaker is not counted (the breaker refuses it, as it would a new one), and the route still hears its
     * outcome: the backend has answered.
     *
     * <p>While the breaker is open or half-open the asynchronous guard of the same breaker decides before anything is
     * sent: it refuses the call, or lets it through as a trial and counts it.
     */
    private CompletionStage<Object> call(OutgoingRequest request, Route.Flight flight) {
        Backend backend = flight.backend();
        if (backend.breakerState() != CircuitBreakerState.CLOSED) {
            return backend.guard().get(() -> start(request, flight), GUARDED_CALL);
        }
        return start(request, flight).whenComplete((answer, failure) -> count(backend, answer, failure));
    }

    /** Tells a closed breaker how a call it let through ended. */
    private static void count(Backend backend, Object answer, Throwable failure) {
        Throwable cause = failure == null ? null : Route.unwrap(failure);
        try {
            backend.guard().call(() -> {
                if (cause instanceof Exception exception) {
                    throw exception;
                }
                if (cause != null) {
                    throw new CompletionException(cause);
                }
                return answer;
            }, Object.class);
        } catch (Exception countedOrRefused) {
            // the call's own failure, given back once counted, or the refusal of a breaker that opened meanwhile
        }
    }

    private CompletionStage<Object> start(OutgoingRequest request, Route.Flight flight) {
        try {
            return BackendCall.start(vertx, clients, tracing, request, flight)
                    .map(response -> (Object) response).toCompletionStage();
        } catch (RuntimeException refused) {
            // the same failed call the guard saw when it made the call itself
            return CompletableFuture.failedStage(refused);
        }
    }
}
