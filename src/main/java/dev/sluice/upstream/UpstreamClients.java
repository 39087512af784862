package dev.sluice.upstream;

import dev.sluice.config.SluiceConfig;
import dev.sluice.routing.Backend;
import dev.sluice.routing.Catalog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemTrustOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The HTTP clients that reach the backends, one per distinct TLS setting (contract §11), all with the same pooled
 * keep-alive connections:
 * <ul>
 * <li>the verifying client, for plain http backends and for https backends verified against the JVM's default trust
 * store or the PEM bundle {@code sluice.upstream.tls.ca-file}, with host name verification;</li>
 * <li>the insecure client, made when a backend with {@code tls.insecure: true} first needs it (at start-up, or after
 * a reload added one): it trusts any certificate and host name, and each such backend is logged as a warning (at
 * start-up here, after a reload by the reloader).</li>
 * </ul>
 * Both always send SNI naming the URL's host, dotless names included ({@code localhost}, Kubernetes service names),
 * for which the JDK alone sends none; an https backend named by an IP address gets none (RFC 6066 §3 allows only host
 * names there), from a twin of its client that does not force it, made as the insecure one is.
 *
 * <p>Each kind is one client per event loop ({@link LoopLocalClients}), so that a request's backend connection is
 * served by the event loop that serves its client's connection. Whatever the client, the requests to one host and
 * port wait for a connection through one {@link ConnectGate}, which paces the connections a burst opens.
 *
 * <p>Built once at start-up; {@link #clientFor} is called on event loops and never blocks (a kind first needed by a
 * backend that a reload added is made then, once, under a lock held for as long as making it takes).
 */
public final class UpstreamClients {

    private static final Logger LOGGER = Logger.getLogger(UpstreamClients.class);

    private final Vertx vertx;
    private final int maxConnections;
    private final int maxConnecting;
    /** {@code keep-alive-timeout} in whole seconds, as the clients' options have it. */
    private final int keepAliveSeconds;
    /** One gate per backend {@code host:port}, made when a request first goes there. */
    private final ConcurrentHashMap<String, ConnectGate> gates = new ConcurrentHashMap<>();
    private final HttpClientOptions verifyingOptions;
    private final HttpClientOptions insecureOptions;
    private final LoopLocalClients verifying;
    /** Made when a backend first needs one (at start-up, or a backend a reload added). */
    private volatile LoopLocalClients insecure;
    /** The same without SNI, for https backends named by an IP address. */
    private volatile LoopLocalClients verifyingByAddress;
    private volatile LoopLocalClients insecureByAddress;

    public UpstreamClients(Vertx vertx, Catalog catalog, SluiceConfig.Upstream upstream) {
        this.vertx = vertx;
        this.maxConnections = upstream.maxConnections();
        this.maxConnecting = upstream.maxConnecting();
        this.keepAliveSeconds = keepAliveSeconds(upstream);
        verifyingOptions = baseOptions(upstream).setVerifyHost(true);
        upstream.tls().caFile()
                .ifPresent(file -> verifyingOptions.setTrustOptions(new PemTrustOptions().addCertPath(file.trim())));
        insecureOptions = baseOptions(upstream).setTrustAll(true).setVerifyHost(false);
        verifying = new LoopLocalClients(vertx, verifyingOptions, maxConnections);
        for (Backend backend : catalog.backends()) {
            if (backend.insecureTls()) {
                LOGGER.warn(backend.insecureWarning());
            }
            boolean byAddress = backend.ssl() && backend.namedByAddress();
            if (backend.insecureTls() || byAddress) {
                made(backend.insecureTls(), byAddress); // now, rather than on a first request
            }
        }
    }

    /** The options every client shares: keep-alive pooling, timeouts, SNI always sent, no decompression. */
    private static HttpClientOptions baseOptions(SluiceConfig.Upstream upstream) {
        return new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true).setDecompressionSupported(false)
                .setKeepAliveTimeout(keepAliveSeconds(upstream))
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, upstream.connectTimeout().toMillis()))
                .setForceSni(true);
    }

    private static int keepAliveSeconds(SluiceConfig.Upstream upstream) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, upstream.keepAliveTimeout().toSeconds()));
    }

    /**
     * Keeps the idle time of the answer's connection the proxy's {@code keep-alive-timeout}, or less than the backend
     * keeps its side ({@link KeepAlive}); called with every answer's head, before its end.
     */
    void holdKeepAlive(HttpClientResponse answer) {
        KeepAlive.bound(answer.headers(), keepAliveSeconds);
    }

    /** The client whose TLS setting this backend needs, the one of the calling event loop. */
    public HttpClient clientFor(Backend backend) {
        boolean byAddress = backend.ssl() && backend.namedByAddress();
        if (!backend.insecureTls() && !byAddress) {
            return verifying.current();
        }
        LoopLocalClients clients = backend.insecureTls() ? (byAddress ? insecureByAddress : insecure)
                : verifyingByAddress;
        return (clients != null ? clients : made(backend.insecureTls(), byAddress)).current();
    }

    /**
     * A request to {@code backend} on the calling event loop's client of its kind, once its turn to connect comes
     * ({@link ConnectGate}: one per host and port, whatever the client).
     */
    Future<HttpClientRequest> request(Backend backend, RequestOptions options, ConnectGate.Call call) {
        ConnectGate gate = gates.get(backend.authority());
        if (gate == null) {
            gate = gates.computeIfAbsent(backend.authority(), authority -> new ConnectGate(authority, maxConnecting));
        }
        return gate.request(vertx, clientFor(backend), options, call);
    }

    private synchronized LoopLocalClients made(boolean insecureTls, boolean byAddress) {
        HttpClientOptions options = new HttpClientOptions(insecureTls ? insecureOptions : verifyingOptions)
                .setForceSni(!byAddress);
        if (insecureTls && byAddress) {
            return insecureByAddress != null ? insecureByAddress
                    : (insecureByAddress = new LoopLocalClients(vertx, options, maxConnections));
        }
        if (insecureTls) {
            return insecure != null ? insecure : (insecure = new LoopLocalClients(vertx, options, maxConnections));
        }
        return verifyingByAddress != null ? verifyingByAddress
                : (verifyingByAddress = new LoopLocalClients(vertx, options, maxConnections));
    }

    public Future<Void> close() {
        List<Future<Void>> closed = new ArrayList<>();
        for (LoopLocalClients clients : new LoopLocalClients[] {verifying, insecure, verifyingByAddress, insecureByAddress}) {
            if (clients != null) {
                closed.add(clients.close());
            }
        }
        return Future.all(closed).mapEmpty();
    }
}
