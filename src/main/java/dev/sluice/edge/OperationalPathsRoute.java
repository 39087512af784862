package dev.sluice.edge;

import dev.sluice.error.ErrorCode;
import dev.sluice.error.ErrorEnvelope;
import dev.sluice.error.ProxyError;
import dev.sluice.wire.RequestIds;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Contract §1: the operational endpoints ({@code /q/health}, {@code /q/metrics}) are served on Quarkus' management
 * interface only ({@code quarkus.management.enabled=true}, port 9000). On the proxy's port every {@code /q/*} path
 * answers 404 {@code not_found} in the error envelope, whatever the method: an edge proxy does not show its accounts,
 * backends and circuit states to the internet.
 *
 * <p>Observes the main router only; the management interface has its own router, which this never sees.
 */
@ApplicationScoped
public class OperationalPathsRoute {

    /** Before every other route of the main router, {@code /v1} included. */
    static final int ORDER = -10_000;

    void register(@Observes Router router) {
        router.route().pathRegex("/q(?:/.*)?").order(ORDER).handler(this::notFound);
    }

    void notFound(RoutingContext context) {
        HttpServerRequest request = context.request();
        String requestId = RequestIds.resolve(request.headers().getAll(RequestIds.HEADER));
        ProxyError error = ProxyError.of(ErrorCode.NOT_FOUND,
                "There is no endpoint at " + request.method() + " " + request.path() + ".");
        if (!request.isEnded()) {
            // answered before any body was read: let it drain so that the connection can serve the next request
            request.handler(null);
            request.resume();
        }
        request.response().setStatusCode(error.status())
                .putHeader("content-type", "application/json")
                .putHeader(RequestIds.HEADER, requestId)
                .end(ErrorEnvelope.render(error, requestId, false));
    }
}
