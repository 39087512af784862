package dev.sluice.edge;

import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.http.HttpServerOptions;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The proxy's plain port speaks HTTP/1.1 only: no HTTP/2 over cleartext (h2c, with prior knowledge or by upgrade).
 * The {@link ConnectionGuard}'s strict framing and {@code sluice.client-timeout} read HTTP/1.1, so an h2c connection
 * would pass around both once its first bytes were read (a stream's head never finished, a body never sent, held a
 * connection for as long as the idle timeout). The clients of a model API (the SDKs, ingresses, meshes by default)
 * speak HTTP/1.1 to an {@code http://} base URL; HTTP/2 stays available over TLS (ALPN) when Sluice serves TLS itself.
 */
@ApplicationScoped
public class PlainPortHttp1 implements HttpServerOptionsCustomizer {

    @Override
    public void customizeHttpServer(HttpServerOptions options) {
        options.setHttp2ClearTextEnabled(false);
    }
}
