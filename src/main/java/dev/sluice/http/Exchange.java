package dev.sluice.http;

import dev.sluice.body.RequestBody;
import dev.sluice.error.ProxyError;
import dev.sluice.limits.AccountLimits;
import dev.sluice.routing.Backend;
import dev.sluice.routing.ModelRoute;
import dev.sluice.upstream.Attempt;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One client request on its way through the proxy, from the first byte read to the last byte written. Confined to
 * the event loop of the client's connection: no field is shared with another thread.
 */
public final class Exchange {

    /** How a request ended, for whoever holds resources for it (concurrency slot, credits, metrics). */
    public record Outcome(int status, String code, String origin, String servedModel, String backend,
            long upstreamNanos, boolean clientGone) {
    }

    private final HttpServerRequest request;
    private final String requestId;
    private final Endpoint endpoint;
    private final boolean anthropic;
    private final long startNanos = System.nanoTime();
    private final List<Consumer<Outcome>> onFinish = new ArrayList<>(2);
    private final List<Attempt> attempts = new ArrayList<>(2);
    private final Set<Backend> tried = new HashSet<>(4);
    private RequestBody body;
    private ModelRoute model;
    private HttpClientRequest upstreamRequest;
    private long upstreamNanos;
    private boolean responseStarted;
    private boolean finished;
    private boolean clientGone;
    private boolean streaming;
    private AccountLimits account;
    private Consumer<io.vertx.core.buffer.Buffer> responseTap;
    private Runnable shutdownCut;
    private final io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();

    public Exchange(HttpServerRequest request, String requestId, Endpoint endpoint, boolean anthropic) {
        this.request = request;
        this.requestId = requestId;
        this.endpoint = endpoint;
        this.anthropic = anthropic;
    }

    public HttpServerRequest request() {
        return request;
    }

    public HttpServerResponse response() {
        return request.response();
    }

    public String requestId() {
        return requestId;
    }

    /** The endpoint, or null for a path that is not one. */
    public Endpoint endpoint() {
        return endpoint;
    }

    /** True when errors take the Anthropic envelope. */
    public boolean anthropic() {
        return anthropic;
    }

    public long startNanos() {
        return startNanos;
    }

    public RequestBody body() {
        return body;
    }

    public void body(RequestBody body) {
        this.body = body;
    }

    /** The model the client asked for (after it was found in the catalogue). */
    public ModelRoute model() {
        return model;
    }

    public void model(ModelRoute model) {
        this.model = model;
    }

    public List<Attempt> attempts() {
        return attempts;
    }

    public Set<Backend> tried() {
        return tried;
    }

    /** The upstream request under way, cancelled when the client goes away. */
    public void upstreamRequest(HttpClientRequest upstreamRequest) {
        this.upstreamRequest = upstreamRequest;
    }

    public HttpClientRequest upstreamRequest() {
        return upstreamRequest;
    }

    public void addUpstreamNanos(long nanos) {
        upstreamNanos += nanos;
    }

    public long upstreamNanos() {
        return upstreamNanos;
    }

    /** True once the status line went to the client: from then on nothing can be retried. */
    public boolean responseStarted() {
        return responseStarted;
    }

    public void markResponseStarted() {
        responseStarted = true;
    }

    /** True once a relayed answer turned out to be an event stream. */
    public boolean streaming() {
        return streaming;
    }

    public void markStreaming() {
        streaming = true;
    }

    public boolean clientGone() {
        return clientGone;
    }

    public void markClientGone() {
        clientGone = true;
    }

    /**
     * The client's connection closed before the answer ended: the upstream request (if any) is reset at once, which
     * ends the exchange through the forwarder; before forwarding, whoever continues sees {@link #clientGone()}.
     */
    public void clientWentAway() {
        if (finished) {
            return;
        }
        clientGone = true;
        if (upstreamRequest != null) {
            upstreamRequest.reset();
        }
    }

    /** The event loop this exchange is confined to. */
    public io.vertx.core.Context context() {
        return context;
    }

    /** What ends this exchange when the shutdown grace runs out (set by whoever is relaying its answer). */
    public void onShutdownCut(Runnable cut) {
        this.shutdownCut = cut;
    }

    /**
     * Ends the exchange now, because the proxy stops: a stream being relayed ends with an error event, a request
     * still waiting for its backend is reset (and answered with the resulting error). Call on {@link #context()}.
     */
    public void cutForShutdown() {
        if (finished) {
            return;
        }
        if (shutdownCut != null) {
            shutdownCut.run();
        } else if (upstreamRequest != null) {
            upstreamRequest.reset();
        }
    }

    /** Sees every chunk of a successful answer on its way to the client (usage settlement), or null. */
    public Consumer<io.vertx.core.buffer.Buffer> responseTap() {
        return responseTap;
    }

    public void responseTap(Consumer<io.vertx.core.buffer.Buffer> tap) {
        this.responseTap = tap;
    }

    public boolean finished() {
        return finished;
    }

    /** The authenticated key's account, or null before authentication. */
    public AccountLimits account() {
        return account;
    }

    public void account(AccountLimits account) {
        this.account = account;
    }

    /** Runs when the exchange ends, whichever way: success, error, or the client going away. */
    public void onFinish(Consumer<Outcome> listener) {
        onFinish.add(listener);
    }

    /** Ends the exchange once; later calls are ignored. */
    public void finish(Outcome outcome) {
        if (finished) {
            return;
        }
        finished = true;
        for (Consumer<Outcome> listener : onFinish) {
            listener.accept(outcome);
        }
    }

    /** Ends the exchange for an error answered by the proxy. */
    public void finish(ProxyError error) {
        finish(new Outcome(error.status(), error.code(), error.origin().wire(),
                model == null ? null : model.name(), null, upstreamNanos, clientGone));
    }
}
