package dev.sluice.edge;

import dev.sluice.error.ErrorCode;
import dev.sluice.error.ErrorEnvelope;
import dev.sluice.error.ProxyError;
import dev.sluice.api.Endpoint;
import dev.sluice.wire.RequestIds;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
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

    void register(@Observes Router router) {
        router.route(FramingRejection.PATH).order(OperationalPathsRoute.ORDER).handler(this::answer);
    }

    void answer(RoutingContext context) {
        HttpServerRequest request = context.request();
        if (!(request.decoderResult() instanceof FramingRejection rejection)) {
            context.next();
            return;
        }
        String requestId = RequestIds.resolve(request.headers().getAll(RequestIds.HEADER));
        HttpServerResponse response = request.response().setStatusCode(rejection.status())
                .putHeader(RequestIds.HEADER, requestId)
                .putHeader("connection", "close");
        ErrorCode code = switch (rejection.status()) {
            case 414 -> ErrorCode.URI_TOO_LONG;
            case 431 -> ErrorCode.REQUEST_HEADER_FIELDS_TOO_LARGE;
            default -> ErrorCode.BAD_REQUEST;
        };
        boolean anthropic = rejection.clientPath() != null && Endpoint.anthropicPath(rejection.clientPath());
        if (anthropic) {
            response.putHeader("request-id", requestId);
        }
        ProxyError error = ProxyError.of(code, rejection.reason());
        response.putHeader("content-type", "application/json").end(ErrorEnvelope.render(error, requestId, anthropic));
    }
}
