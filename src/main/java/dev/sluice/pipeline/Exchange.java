package dev.sluice.pipeline;

import dev.sluice.api.Endpoint;
import dev.sluice.auth.ApiKey;
import dev.sluice.body.RequestBody;
import dev.sluice.control.Generation;
import dev.sluice.limits.AccountLimits;
import dev.sluice.limits.Admission;
import dev.sluice.routing.ModelRoute;
import dev.sluice.upstream.Route;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;

/**
 * One client request on its way through the proxy: what it is (id, endpoint, key and account, body, model, ticket)
 * and the upstream work under way for it. Each field is set by one stage, in the order of
 * {@link RequestPipeline}; later stages only read it.
 *
 * <p>Confined to the event loop of the client's connection: no field is shared with another thread.
 */
public final class Exchange {

    private final HttpServerRequest request;
    private final String requestId;
    /**
     * The path as the router normalised it, which names the endpoint; for a head the guard refused, the path it sent
     * (null when unread), never forwarded.
     */
    private final String path;
    private final Endpoint endpoint;
    private final boolean anthropic;
    private final Generation generation;
    private final long startNanos = System.nanoTime();
    private final Context context = Vertx.currentContext();

    private ApiKey key;
    private AccountLimits account;
    private RequestBody body;
    private ModelRoute model;
    private long promptTokens;
    private ClientRequest outgoing;
    private List<ModelRoute> candidates;
    private Admission.Ticket ticket;
    private Route route;
    private Relay relay;
    private boolean clientGone;
    private boolean finished;
    /** The {@code access-control-allow-origin} of a request from an allowed browser origin, else null. */
    private String allowOrigin;

    /** For a request the guard refused: the method and path the client sent, for the access log (null: unknown). */
    private String sentMethod;
    private String sentPath;
    private boolean refusedAtTheEdge;

    Exchange(HttpServerRequest request, String requestId, String path, Endpoint endpoint, boolean anthropic,
            Generation generation) {
        this.request = request;
        this.generation = generation;
        this.requestId = requestId;
        this.path = path;
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

    /** A request the guard refused and stood in for: what the client sent, as far as it could be read. */
    void asSent(String method, String path) {
        refusedAtTheEdge = true;
        sentMethod = method;
        sentPath = path;
    }

    /** The method the client sent ("-" when its request line could not be read). */
    String loggedMethod() {
        return refusedAtTheEdge ? (sentMethod == null ? "-" : sentMethod) : request.method().name();
    }

    /** The path the client sent ("-" when its request line could not be read). */
    String loggedPath() {
        return refusedAtTheEdge ? (sentPath == null ? "-" : sentPath) : request.path();
    }

    /**
     * The request target a backend is sent when nothing translates the request: the client's own, unless the router
     * normalised its path ({@code //v1/chat/completions}, {@code /v1/./messages}), then that path and the client's
     * query.
     */
    String upstreamTarget() {
        if (path.equals(request.path())) {
            return request.uri();
        }
        String query = request.query();
        return query == null ? path : path + "?" + query;
    }

    /** The endpoint, or null for a path that is not one (answered 404 by the first stage). */
    public Endpoint endpoint() {
        return endpoint;
    }

    /** True when errors take the Anthropic envelope. */
    public boolean anthropic() {
        return anthropic;
    }

    String allowOrigin() {
        return allowOrigin;
    }

    void allowOrigin(String value) {
        this.allowOrigin = value;
    }

    /**
     * The keys, accounts and models this request is served with, taken when it started: a reload or an admin change
     * while it runs never changes them (contract §10.2).
     */
    public Generation generation() {
        return generation;
    }

    public long startNanos() {
        return startNanos;
    }

    /** The event loop this exchange is confined to. */
    Context context() {
        return context;
    }

    /** The authenticated key (set by {@link KeyStage}), or null before. */
    public ApiKey key() {
        return key;
    }

    /** The key's account (set by {@link KeyStage}), or null before. */
    public AccountLimits account() {
        return account;
    }

    void authenticated(ApiKey key, AccountLimits account) {
        this.key = key;
        this.account = account;
    }

    /** The body as scanned (set by {@link BodyStage}), or null for endpoints without one. */
    public RequestBody body() {
        return body;
    }

    void body(RequestBody body) {
        this.body = body;
    }

    /**
     * The model the client asked for, as found in the catalogue, or the one the proxy chose for it (set by
     * {@link ModelStage}).
     */
    public ModelRoute model() {
        return model;
    }

    /** The prompt's estimated tokens, estimated once (by {@link ModelStage}) when a check or a limit needs it. */
    public long promptTokens() {
        return promptTokens;
    }

    /** The request as each model's backends get it (set by {@link ModelStage}): identity or translated. */
    ClientRequest outgoing() {
        return outgoing;
    }

    void model(ModelRoute model, long promptTokens, ClientRequest outgoing) {
        this.model = model;
        this.promptTokens = promptTokens;
        this.outgoing = outgoing;
    }

    /**
     * The models chosen automatically (contract §6.7), in order: {@link #model()} first, then its fallbacks; null
     * when the client named its model.
     */
    public List<ModelRoute> candidates() {
        return candidates;
    }

    void candidates(List<ModelRoute> candidates) {
        this.candidates = candidates;
    }

    /** The account's hold for this request (set by {@link AdmissionStage}), or null before admission. */
    public Admission.Ticket ticket() {
        return ticket;
    }

    void ticket(Admission.Ticket ticket) {
        this.ticket = ticket;
    }

    /** The upstream attempts under way (set by {@link ForwardStage}), cancelled when the client goes away. */
    void route(Route route) {
        this.route = route;
    }

    /** The relay of the answer (set by the driver), ended when the client goes away or the proxy stops. */
    void relay(Relay relay) {
        this.relay = relay;
    }

    public boolean clientGone() {
        return clientGone;
    }

    boolean finished() {
        return finished;
    }

    /** Marks the exchange finished; false when it already was (see {@link Finish}). */
    boolean markFinished() {
        if (finished) {
            return false;
        }
        finished = true;
        return true;
    }

    /**
     * The client's connection closed before the answer ended: whatever works upstream for it is stopped at once,
     * which ends the exchange as {@code client_closed}; a stage still running sees {@link #clientGone()}.
     */
    void clientWentAway() {
        if (finished) {
            return;
        }
        clientGone = true;
        if (relay != null) {
            relay.clientGone();
        } else if (route != null) {
            route.cancel(Answers.clientClosed());
        }
    }

    /**
     * Ends the exchange now, because the proxy stops: a relayed answer is cut (a stream with an error event), a
     * request still waiting for its backend is answered with an error. Call on {@link #context()}.
     */
    void cutForShutdown() {
        if (finished) {
            return;
        }
        if (relay != null) {
            relay.cutForShutdown();
        } else if (route != null) {
            route.cancel(Answers.shuttingDown());
        }
    }
}
