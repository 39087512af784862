package dev.sluice.edge;

import dev.sluice.error.ErrorEnvelope;
import dev.sluice.error.ProxyError;
import dev.sluice.wire.RequestIds;
import io.quarkus.vertx.http.ManagementInterface;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * The management interface's answer to the requests the {@link StrictRequestDecoder} refused on its port (contract
 * §12 holds there too): the status and envelope of {@link RejectedRequestRoute}, with {@code x-request-id} and
 * {@code connection: close}. Not counted in {@code sluice_requests_total} nor access-logged, as no request to the
 * management interface is; logged at DEBUG.
 */
@ApplicationScoped
public class ManagementRejectionRoute {

    private static final Logger LOGGER = Logger.getLogger(ManagementRejectionRoute.class);

    void register(@Observes ManagementInterface management) {
        management.router().route(FramingRejection.PATH).order(OperationalPathsRoute.ORDER).handler(this::answer);
    }

    void answer(RoutingContext context) {
        HttpServerRequest request = context.request();
        if (!(request.decoderResult() instanceof FramingRejection rejection)) {
            context.next();
            return;
        }
        String requestId = RequestIds.resolve(request.headers().getAll(RequestIds.HEADER));
        ProxyError error = ProxyError.of(rejection.errorCode(), rejection.reason());
        LOGGER.debugf("request_id=%s management request refused: %s", requestId, rejection.reason());
        request.response().setStatusCode(error.status())
                .putHeader("content-type", "application/json")
                .putHeader(RequestIds.HEADER, requestId)
                .putHeader("connection", "close")
                .end(ErrorEnvelope.render(error, requestId, false));
    }
}
