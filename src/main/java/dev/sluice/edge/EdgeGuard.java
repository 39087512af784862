package dev.sluice.edge;

import dev.sluice.config.ConfigProblems;
import dev.sluice.config.SluiceConfig;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
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
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Puts a {@link ConnectionGuard} first on every connection the proxy's HTTP server accepts (contract §12: strict
 * framing, {@code sluice.client-timeout}).
 *
 * <p>Neither Quarkus nor Vert.x lets an application take part in a connection's set-up: Quarkus builds the server
 * and its options, and Vert.x builds each connection's pipeline. So once the server listens, a handler is added to its
 * listening channel, where each accepted connection passes before Vert.x sets it up. Finding that channel reads one
 * private field of Vert.x ({@code TCPServerBase.bindFuture}); if that ever fails, the guard is not installed, an error
 * is logged, and readiness stays DOWN ({@link EdgeGuardHealthCheck}) rather than serving unguarded.
 */
@ApplicationScoped
@RegisterForReflection(targets = TCPServerBase.class)
public class EdgeGuard {

    private static final Logger LOGGER = Logger.getLogger(EdgeGuard.class);
    static final String ACCEPTOR_NAME = "sluice-edge-acceptor";

    @Inject
    Vertx vertx;

    @Inject
    SluiceConfig config;

    @Inject
    ValueRegistry registry;

    private volatile boolean installed;

    /** Stops start-up on a timeout that is not positive, naming the key. */
    void validate(@Observes StartupEvent event) {
        ConfigProblems problems = new ConfigProblems();
        check(config.clientTimeout(), problems);
        problems.throwIfAny();
    }

    static void check(Duration clientTimeout, ConfigProblems problems) {
        if (clientTimeout.isNegative() || clientTimeout.isZero()) {
            problems.add("sluice.client-timeout", "must be positive (was " + clientTimeout + ")");
        }
    }

    /** Quarkus' main HTTP server listens: guard its connections. */
    void install(@ObservesAsync HttpServerStart started) {
        install(registry.get(HttpServer.HTTP_SERVER).getPort(), started.options());
    }

    /**
     * The same for HTTPS, when Sluice's port serves TLS itself (it usually sits behind an ingress that does): there
     * the guard can only see TLS records, so it closes connections that send nothing, and leaves the rest to Vert.x.
     */
    void install(@ObservesAsync HttpsServerStart started) {
        install(registry.get(HttpServer.HTTP_SERVER).getSecurePort(), started.options());
    }

    private void install(int port, HttpServerOptions options) {
        try {
            List<Channel> channels = listeningChannels(port);
            if (channels.isEmpty()) {
                throw new IllegalStateException("no listening channel found for port " + port);
            }
            AcceptedConnections acceptor = new AcceptedConnections(config.clientTimeout().toNanos(), options);
            for (Channel channel : channels) {
                if (channel.pipeline().get(ACCEPTOR_NAME) != null) {
                    channel.pipeline().replace(ACCEPTOR_NAME, ACCEPTOR_NAME, acceptor);
                } else {
                    channel.pipeline().addFirst(ACCEPTOR_NAME, acceptor);
                }
            }
            installed = true;
            LOGGER.debugf("connection guard installed on %s (client-timeout %s)", channels, config.clientTimeout());
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOGGER.errorf(e, "The HTTP connection guard (strict request framing, sluice.client-timeout) could not be "
                    + "installed; readiness stays DOWN");
        }
    }

    boolean installed() {
        return installed;
    }

    Duration clientTimeout() {
        return config.clientTimeout();
    }

    /** The listening channels of the server on this port (the management interface's is another). */
    private List<Channel> listeningChannels(int port) throws ReflectiveOperationException {
        Field bindFuture = TCPServerBase.class.getDeclaredField("bindFuture");
        bindFuture.setAccessible(true);
        List<Channel> channels = new ArrayList<>();
        for (HttpServerImpl server : ((VertxInternal) vertx).sharedHttpServers().values()) {
            if (server.actualPort() != port) {
                continue;
            }
            @SuppressWarnings("unchecked")
            Future<Channel> bound = (Future<Channel>) bindFuture.get(server);
            if (bound != null && bound.succeeded() && bound.result() != null) {
                channels.add(bound.result());
            }
        }
        return channels;
    }

    /** Added to a listening channel: puts a fresh {@link ConnectionGuard} first on each accepted connection. */
    @ChannelHandler.Sharable
    static final class AcceptedConnections extends ChannelInboundHandlerAdapter {
        private final long timeoutNanos;
        private final HttpServerOptions options;

        AcceptedConnections(long timeoutNanos, HttpServerOptions options) {
            this.timeoutNanos = timeoutNanos;
            this.options = options;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object message) {
            if (message instanceof Channel accepted) {
                accepted.pipeline().addFirst(ConnectionGuard.NAME, new ConnectionGuard(timeoutNanos, options));
            }
            ctx.fireChannelRead(message);
        }
    }
}
