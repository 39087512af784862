package dev.sluice.upstream;

import dev.sluice.config.SluiceConfig;
import dev.sluice.routing.Catalog;
import dev.sluice.routing.ModelRoute;
import dev.sluice.routing.RetryBudget;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
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

    /** One attempt at one backend, through its circuit breaker. */
    private CompletionStage<Object> call(OutgoingRequest request, Route.Flight flight) {
        return flight.backend().guard().get(() -> BackendCall.start(vertx, clients.clientFor(flight.backend()), tracing,
                request, flight)
                .map(response -> (Object) response).toCompletionStage());
    }
}
