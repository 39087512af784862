package dev.sluice.edge;

import dev.sluice.error.ProxyError;
import dev.sluice.pipeline.RequestPipeline;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Answers the requests the {@link StrictRequestDecoder} refused (contract §12), in their turn on the connection, in
 * the error envelope (in Anthropic's form when the client asked for an Anthropic path): 400 {@code bad_request}, 414
 * {@code uri_too_long} or 431 {@code request_header_fields_too_large}, always with {@code x-request-id} and
 * {@code connection: close}; Vert.x closes the connection once the answer is written. A client request to the same path (whose decoder result is an ordinary one) goes on to
 * the other routes.
 */
@ApplicationScoped
public class RejectedRequestRoute {

    private final RequestPipeline pipeline;

    RejectedRequestRoute(RequestPipeline pipeline) {
        this.pipeline = pipeline;
    }

    void register(@Observes Router router) {
        router.route(FramingRejection.PATH).order(OperationalPathsRoute.ORDER).handler(this::answer);
    }

    void answer(RoutingContext context) {
        HttpServerRequest request = context.request();
        if (!(request.decoderResult() instanceof FramingRejection rejection)) {
            context.next();
            return;
        }
        // counted and logged as every answer is (sluice_requests_total, the access log): an operator sees them
        pipeline.refuse(request, rejection.clientMethod(), rejection.clientPath(),
                ProxyError.of(rejection.errorCode(), rejection.reason()).header("connection", "close"));
    }
}
