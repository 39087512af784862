package dev.sluice.pipeline;

import dev.sluice.api.Endpoint;
import dev.sluice.cors.CorsPolicy;
import dev.sluice.edge.HeaderValues;
import dev.sluice.error.ErrorCode;
import dev.sluice.error.ProxyError;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import jakarta.inject.Singleton;

/**
 * Path and method (contract §1): 404 {@code not_found} for a path that is no endpoint, 405 for the wrong method; and a
 * browser's CORS preflight, when {@code sluice.cors} lists origins: 204 for a listed origin, 403 for another.
 */
@Singleton
final class EndpointStage implements Stage {

    private final CorsPolicy cors;

    EndpointStage(CorsPolicy cors) {
        this.cors = cors;
    }

    @Override
    public Future<Step> apply(Exchange exchange) {
        HttpServerRequest request = exchange.request();
        if (request.version() == HttpVersion.HTTP_2) {
            // an HTTP/1.1 head with such a value never gets here (the connection guard refused it)
            String header = HeaderValues.forbidden(request.headers());
            if (header != null) {
                return Step.fail(ProxyError.of(ErrorCode.BAD_REQUEST, "The value of the header " + header
                        + " holds a character no header value may hold (CR, LF or NUL)."));
            }
        }
        Endpoint endpoint = exchange.endpoint();
        if (endpoint == null) {
            return Step.fail(ProxyError.of(ErrorCode.NOT_FOUND,
                    "There is no endpoint at " + request.method() + " " + request.path() + "."));
        }
        if (cors.enabled() && CorsPolicy.isPreflight(request)) {
            if (exchange.allowOrigin() == null) {
                return Step.fail(ProxyError.of(ErrorCode.HTTP_403, "Browser pages from "
                        + request.headers().get("origin") + " may not call this proxy: that origin is not in"
                        + " sluice.cors.origins."));
            }
            return Step.noContent(cors.preflightHeaders(request, endpoint.method()));
        }
        if (!endpoint.method().equals(request.method().name())) {
            return Step.fail(ProxyError.of(ErrorCode.METHOD_NOT_ALLOWED,
                    request.path() + " does not accept " + request.method() + "; use " + endpoint.method() + ".")
                    .header("allow", endpoint.method()));
        }
        return Step.NEXT;
    }
}
