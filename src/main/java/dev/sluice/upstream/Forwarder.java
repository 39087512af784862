package dev.sluice.upstream;

import dev.sluice.config.SluiceConfig;
import dev.sluice.routing.Catalog;
import dev.sluice.routing.ModelRoute;
import dev.sluice.routing.RetryBudget;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;

/**
 * Sends an admitted request to its model's backends (contract §6): picks a backend, calls it through its circuit
 * breaker, retries connection failures and overload answers on backends not yet tried (within {@code retries} and
 * the retry budget), falls back to other models. It answers with an {@link UpstreamResult} and never writes to the
 * client nor touches limits.
 *
 * <p>Thread-safe; everything of one request runs on the event loop of its client's connection.
 */
public final class Forwarder {

    private final Vertx vertx;
    private final HttpClient client;
    private final Catalog catalog;
    private final RetryBudget retryBudget;
    private final Listener listener;
    private final boolean tracing;

    /** Told what happens upstream, for metrics. Called on event loops; must not block. */
    public interface Listener {
        /** A retry, after {@code failedBackend} (null: none was tried) answered {@code reason} (an attempt code). */
        void retried(String failedBackend, String reason);

        /** The backend's response headers came this long after the call started. */
        void firstByte(String backend, long nanos);

        /** One attempt ended (failed, answered, or relayed to its end) after this long. */
        void attemptEnded(String backend, long nanos);
    }

    public Forwarder(Vertx vertx, Catalog catalog, SluiceConfig.Upstream upstream, RetryBudget retryBudget,
            Listener listener, boolean tracing) {
        this.tracing = tracing;
        this.vertx = vertx;
        this.catalog = catalog;
        this.retryBudget = retryBudget;
        this.listener = listener;
        this.client = vertx.createHttpClient(
                new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true).setDecompressionSupported(false)
                        .setKeepAliveTimeout((int) Math.max(1, upstream.keepAliveTimeout().toSeconds()))
                        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, upstream.connectTimeout().toMillis())),
                new PoolOptions().setHttp1MaxSize(upstream.maxConnections()).setMaxWaitQueueSize(-1));
    }

    public Future<Void> close() {
        return client.close();
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
        retryBudget.recordRequest();
        Route route = new Route(request, model, catalog, retryBudget, listener, this::call);
        route.next();
        return route;
    }

    /** One attempt at one backend, through its circuit breaker. */
    private java.util.concurrent.CompletionStage<Object> call(OutgoingRequest request, ModelRoute model,
            dev.sluice.routing.Backend backend, Route route) {
        return backend.guard().get(() -> BackendCall.start(vertx, client, tracing, request, model, backend,
                route::sent, route::cancelled, nanos -> listener.firstByte(backend.name(), nanos))
                .map(response -> (Object) response).toCompletionStage());
    }
}
