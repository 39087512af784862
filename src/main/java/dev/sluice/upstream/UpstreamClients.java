package dev.sluice.upstream;

import dev.sluice.config.SluiceConfig;
import dev.sluice.routing.Backend;
import dev.sluice.routing.Catalog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.PemTrustOptions;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The HTTP clients that reach the backends, one per distinct TLS setting (contract §11), all with the same pooled
 * keep-alive connections:
 * <ul>
 * <li>the verifying client, for plain http backends and for https backends verified against the JVM's default trust
 * store or the PEM bundle {@code sluice.upstream.tls.ca-file}, with host name verification;</li>
 * <li>the insecure client, only when some backend sets {@code tls.insecure: true}: it trusts any certificate and
 * host name, and each such backend is logged as a warning at start-up.</li>
 * </ul>
 * Both always send SNI naming the URL's host, dotless names included ({@code localhost}, Kubernetes service names),
 * for which the JDK alone sends none.
 *
 * <p>Each kind is one client per event loop ({@link LoopLocalClients}), so that a request's backend connection is
 * served by the event loop that serves its client's connection.
 *
 * <p>Built once at start-up; {@link #clientFor} is called on event loops and never blocks.
 */
public final class UpstreamClients {

    private static final Logger LOGGER = Logger.getLogger(UpstreamClients.class);

    private final LoopLocalClients verifying;
    private final LoopLocalClients insecure;

    public UpstreamClients(Vertx vertx, Catalog catalog, SluiceConfig.Upstream upstream) {
        HttpClientOptions verifyingOptions = baseOptions(upstream).setVerifyHost(true);
        upstream.tls().caFile()
                .ifPresent(file -> verifyingOptions.setTrustOptions(new PemTrustOptions().addCertPath(file.trim())));
        verifying = new LoopLocalClients(vertx, verifyingOptions, upstream.maxConnections());
        List<Backend> unverified = new ArrayList<>();
        for (Backend backend : catalog.backends()) {
            if (backend.insecureTls()) {
                unverified.add(backend);
            }
        }
        if (unverified.isEmpty()) {
            insecure = null;
        } else {
            insecure = new LoopLocalClients(vertx, baseOptions(upstream).setTrustAll(true).setVerifyHost(false),
                    upstream.maxConnections());
            for (Backend backend : unverified) {
                LOGGER.warnf("backend=%s model=%s host=%s tls.insecure=true: its TLS certificate and host name are "
                        + "NOT verified; anyone on the path to it can read and change its traffic", backend.name(),
                        backend.model(), backend.host());
            }
        }
    }

    /** The options every client shares: keep-alive pooling, timeouts, SNI always sent, no decompression. */
    private static HttpClientOptions baseOptions(SluiceConfig.Upstream upstream) {
        return new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true).setDecompressionSupported(false)
                .setKeepAliveTimeout((int) Math.max(1, upstream.keepAliveTimeout().toSeconds()))
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, upstream.connectTimeout().toMillis()))
                .setForceSni(true);
    }

    /** The client whose TLS setting this backend needs, the one of the calling event loop. */
    public HttpClient clientFor(Backend backend) {
        return (backend.insecureTls() ? insecure : verifying).current();
    }

    public Future<Void> close() {
        return insecure == null ? verifying.close() : Future.all(verifying.close(), insecure.close()).mapEmpty();
    }
}
