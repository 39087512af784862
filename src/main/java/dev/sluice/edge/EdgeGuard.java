package dev.sluice.edge;

import dev.sluice.config.ConfigProblems;
import dev.sluice.config.SluiceConfig;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.quarkus.value.registry.ValueRegistry;
import io.quarkus.vertx.http.HttpServer;
import io.quarkus.vertx.http.HttpServerStart;
import io.quarkus.vertx.http.HttpsServerStart;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.HttpServerImpl;
import io.vertx.core.impl.VertxInternal;
import io.vertx.core.net.impl.TCPServerBase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.ObservesAsync;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.IntSupplier;
import org.jboss.logging.Logger;

/**
 * Puts a {@link ConnectionGuard} first on every connection the proxy's HTTP server and its management interface
 * accept (contract §12: strict framing, {@code sluice.client-timeout}).
 *
 * <p>Neither Quarkus nor Vert.x lets an application take part in a connection's set-up: Quarkus builds the server
 * and its options, and Vert.x builds each connection's pipeline. So once the server listens, a handler is added to its
 * listening channel, where each accepted connection passes before Vert.x sets it up. Finding that channel reads one
 * private field of Vert.x ({@code TCPServerBase.bindFuture}); if that ever fails, the guard is not installed, an error
 * is logged, and readiness stays DOWN ({@link EdgeGuardHealthCheck}) rather than serving unguarded.
 */
@ApplicationScoped
@RegisterForReflection(targets = {TCPServerBase.class, HttpServerImpl.class})
public class EdgeGuard {

    private static final Logger LOGGER = Logger.getLogger(EdgeGuard.class);
    static final String ACCEPTOR_NAME = "sluice-edge-acceptor";

    @Inject
    Vertx vertx;

    @Inject
    SluiceConfig config;

    @Inject
    ValueRegistry registry;

    @Inject
    MeterRegistry meters;

    /** The proxy's port's client connections (HTTP and HTTPS together); the management interface is not capped. */
    private ClientConnections clientConnections;

    @ConfigProperty(name = "quarkus.management.enabled", defaultValue = "false")
    boolean managementEnabled;

    /** How long the management interface (and the proxy's chosen port) is waited for: 100 times 100 ms. */
    private static final int MANAGEMENT_WAITS = 100;
    private static final long MANAGEMENT_WAIT_MILLIS = 100;

    private volatile boolean installed;
    private boolean failedOnce;
    private volatile boolean managementInstalled;

    /** Stops start-up on a timeout that is not positive or a connection cap below 1, naming the key. */
    void validate(@Observes StartupEvent event) {
        ConfigProblems problems = new ConfigProblems();
        check(config.clientTimeout(), problems);
        check(config.maxClientConnections(), problems);
        problems.throwIfAny();
        clientConnections();
    }

    /** Made once, by whichever comes first: the start-up event or the proxy's server listening. */
    private synchronized ClientConnections clientConnections() {
        if (clientConnections == null) {
            ClientConnections counted = ClientConnections.of(config.maxClientConnections(), ClientConnections.openFileLimit());
            LOGGER.debugf("at most %d client connections at once", counted.max());
            Gauge.builder("sluice.client.connections", counted, ClientConnections::open).strongReference(true)
                    .description("Client connections open on the proxy's port").register(meters);
            Gauge.builder("sluice.client.connections.max", counted, ClientConnections::max).strongReference(true)
                    .description("The most client connections the proxy's port holds (sluice.max-client-connections)")
                    .register(meters);
            FunctionCounter.builder("sluice.client.connections.refused", counted, ClientConnections::refused)
                    .description("Client connections closed as soon as accepted: sluice.max-client-connections were open")
                    .register(meters);
            clientConnections = counted;
        }
        return clientConnections;
    }

    static void check(Duration clientTimeout, ConfigProblems problems) {
        if (clientTimeout.isNegative() || clientTimeout.isZero()) {
            problems.add("sluice.client-timeout", "must be positive (was " + dev.sluice.config.Durations.format(clientTimeout) + ")");
        }
    }

    static void check(OptionalInt maxClientConnections, ConfigProblems problems) {
        if (maxClientConnections.isPresent() && maxClientConnections.getAsInt() < 1) {
            problems.add("sluice.max-client-connections", "must be at least 1 (was " + maxClientConnections.getAsInt() + ")");
        }
    }

    /** Quarkus' main HTTP server listens: guard its connections, and the management interface's. */
    void install(@ObservesAsync HttpServerStart started) {
        guardProxyPort(() -> registry.get(HttpServer.HTTP_SERVER).getPort(), started.options(), MANAGEMENT_WAITS);
        guardManagement(MANAGEMENT_WAITS);
    }

    /**
     * Guards the proxy's port once Quarkus publishes it: the start event may come before the port it chose (a
     * configured 0) is known, and a packaged run once read -1 there, left the port unguarded and readiness DOWN.
     */
    private void guardProxyPort(IntSupplier port, HttpServerOptions options, int waitsLeft) {
        int known = port.getAsInt();
        if (known <= 0 && waitsLeft > 0) {
            vertx.setTimer(MANAGEMENT_WAIT_MILLIS, tick -> guardProxyPort(port, options, waitsLeft - 1));
            return;
        }
        guarded(install(known, options, clientConnections()));
    }

    /**
     * The management interface (health, metrics, the admin API) reads requests from whoever reaches its port: the
     * same framing and timeout apply there (contract §12), answered by {@link ManagementRejectionRoute}. Quarkus
     * starts it beside the main server and announces neither: it is looked for until it listens.
     */
    private void guardManagement(int waitsLeft) {
        int port = managementPort();
        try {
            Optional<HttpServerOptions> bound = port > 0 ? boundServerOptions(vertx, port) : Optional.empty();
            if (bound.isEmpty()) {
                if (waitsLeft > 0) {
                    vertx.setTimer(MANAGEMENT_WAIT_MILLIS, tick -> guardManagement(waitsLeft - 1));
                } else if (managementEnabled) {
                    LOGGER.errorf("The connection guard could not be installed on the management interface: it was "
                            + "not listening after %d s", MANAGEMENT_WAITS * MANAGEMENT_WAIT_MILLIS / 1000);
                }
                return;
            }
            managementInstalled = install(port, bound.get(), null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOGGER.errorf(e, "The connection guard could not be installed on the management port %d", port);
        }
    }

    /**
     * The options of the server on {@code port} once its socket is bound; empty before. Vert.x registers a server
     * under its configured port before the bind completes, so a server found on the port may not be listening yet:
     * the management interface, on a fixed port, was once found in that moment and left unguarded.
     */
    static Optional<HttpServerOptions> boundServerOptions(Vertx vertx, int port) throws ReflectiveOperationException {
        List<HttpServerImpl> servers = listeningServers(vertx, port);
        if (listeningChannels(servers).isEmpty()) {
            return Optional.empty();
        }
        Field options = HttpServerImpl.class.getDeclaredField("options");
        options.setAccessible(true);
        return Optional.of((HttpServerOptions) options.get(servers.get(0)));
    }

    /**
     * The same for HTTPS, when Sluice's port serves TLS itself (it usually sits behind an ingress that does): there
     * the guard can only see TLS records, so it closes connections that send nothing, and leaves the rest to Vert.x.
     */
    void install(@ObservesAsync HttpsServerStart started) {
        guardProxyPort(() -> registry.get(HttpServer.HTTP_SERVER).getSecurePort(), started.options(), MANAGEMENT_WAITS);
    }

    /**
     * The management interface's port: Quarkus publishes the one it listens on only when it chose it (a configured
     * port of 0, as under test); otherwise it is the configured one.
     */
    private int managementPort() {
        Integer chosen = registry.getOrDefault(HttpServer.MANAGEMENT_PORT, null);
        if (chosen == null) {
            chosen = registry.getOrDefault(HttpServer.MANAGEMENT_TEST_PORT, null);
        }
        if (chosen != null) {
            return chosen;
        }
        String key = LaunchMode.current() == LaunchMode.TEST ? "quarkus.management.test-port" : "quarkus.management.port";
        return ConfigProvider.getConfig().getOptionalValue(key, Integer.class).orElse(-1);
    }

    /**
     * Guards every connection the server on {@code port} accepts, counted in {@code connections} unless null; false
     * (logged) when that cannot be done.
     */
    private boolean install(int port, HttpServerOptions options, ClientConnections connections) {
        try {
            List<Channel> channels = listeningChannels(listeningServers(vertx, port));
            if (channels.isEmpty()) {
                throw new IllegalStateException("no listening channel found for port " + port);
            }
            AcceptedConnections acceptor = new AcceptedConnections(config.clientTimeout().toNanos(), options, connections);
            for (Channel channel : channels) {
                if (channel.pipeline().get(ACCEPTOR_NAME) != null) {
                    channel.pipeline().replace(ACCEPTOR_NAME, ACCEPTOR_NAME, acceptor);
                } else {
                    channel.pipeline().addFirst(ACCEPTOR_NAME, acceptor);
                }
            }
            LOGGER.debugf("connection guard installed on %s (client-timeout %s)", channels, config.clientTimeout());
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOGGER.errorf(e, "The HTTP connection guard (strict request framing, sluice.client-timeout) could not be "
                    + "installed on port %d; %s", port, connections != null ? "readiness stays DOWN"
                            : "the management interface is unguarded (readiness reports \"management\": false)");
            return false;
        }
    }

    /** The proxy's port (HTTP, and HTTPS when served) is guarded once each install succeeded; one failure is enough. */
    private synchronized void guarded(boolean succeeded) {
        failedOnce |= !succeeded;
        installed = succeeded && !failedOnce;
    }

    boolean installed() {
        return installed;
    }

    /** True once the management interface's connections are guarded too. */
    boolean managementInstalled() {
        return managementInstalled;
    }

    Duration clientTimeout() {
        return config.clientTimeout();
    }

    /** The Vert.x servers listening on this port (one per port: Vert.x shares it among the verticles' servers). */
    private static List<HttpServerImpl> listeningServers(Vertx vertx, int port) {
        List<HttpServerImpl> servers = new ArrayList<>();
        for (HttpServerImpl server : ((VertxInternal) vertx).sharedHttpServers().values()) {
            if (server.actualPort() == port) {
                servers.add(server);
            }
        }
        return servers;
    }

    /** The listening channels of these servers, once bound. */
    private static List<Channel> listeningChannels(List<HttpServerImpl> servers) throws ReflectiveOperationException {
        Field bindFuture = TCPServerBase.class.getDeclaredField("bindFuture");
        bindFuture.setAccessible(true);
        List<Channel> channels = new ArrayList<>();
        for (HttpServerImpl server : servers) {
            @SuppressWarnings("unchecked")
            Future<Channel> bound = (Future<Channel>) bindFuture.get(server);
            if (bound != null && bound.succeeded() && bound.result() != null) {
                channels.add(bound.result());
            }
        }
        return channels;
    }

    /**
     * Added to a listening channel: closes an accepted connection past the cap at once (before Vert.x registers it:
     * nothing else is spent on it), and puts a fresh {@link ConnectionGuard} first on each other one.
     */
    @ChannelHandler.Sharable
    static final class AcceptedConnections extends ChannelInboundHandlerAdapter {
        private final long timeoutNanos;
        private final HttpServerOptions options;
        /** Null where connections are not capped (the management interface). */
        private final ClientConnections connections;

        AcceptedConnections(long timeoutNanos, HttpServerOptions options, ClientConnections connections) {
            this.timeoutNanos = timeoutNanos;
            this.options = options;
            this.connections = connections;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object message) {
            if (message instanceof Channel accepted) {
                if (connections != null) {
                    if (!connections.admit()) {
                        accepted.unsafe().closeForcibly(); // as Netty's own acceptor closes one it cannot register
                        return;
                    }
                    accepted.closeFuture().addListener(closed -> connections.closed());
                }
                accepted.pipeline().addFirst(ConnectionGuard.NAME, new ConnectionGuard(timeoutNanos, options));
            }
            ctx.fireChannelRead(message);
        }
    }
}
