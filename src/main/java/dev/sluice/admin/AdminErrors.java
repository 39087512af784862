package dev.sluice.admin;

import dev.sluice.error.ErrorCode;
import dev.sluice.error.ErrorEnvelope;
import dev.sluice.error.ProxyError;
import dev.sluice.wire.RequestIds;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Every failure of the admin API's resources as the OpenAI error envelope (contract §3), with the request's id:
 * the proxy's own errors, RESTEasy's (a wrong method, media type or path) and anything unexpected.
 */
public class AdminErrors {

    private static final Logger LOGGER = Logger.getLogger(AdminErrors.class);

    @ServerExceptionMapper
    public Response proxyError(ProxyError error, RoutingContext context) {
        return render(error, context);
    }

    @ServerExceptionMapper
    public Response webError(WebApplicationException exception, RoutingContext context) {
        int status = exception.getResponse() == null ? 400 : exception.getResponse().getStatus();
        ProxyError error = switch (status) {
            case 404 -> ProxyError.of(ErrorCode.NOT_FOUND,
                    "There is no endpoint at " + context.request().method() + " " + context.request().path() + ".");
            case 405 -> ProxyError.of(ErrorCode.METHOD_NOT_ALLOWED,
                    context.request().path() + " does not accept " + context.request().method() + ".");
            case 415 -> ProxyError.of(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Send the body as application/json.");
            default -> ProxyError.of(ErrorCode.BAD_REQUEST, "The request could not be read.");
        };
        return render(error, context);
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable failure, RoutingContext context) {
        LOGGER.errorf(failure, "request_id=%s admin API failed unexpectedly", (Object) context.get(AdminRoutes.REQUEST_ID));
        return render(ProxyError.of(ErrorCode.INTERNAL_ERROR, "The proxy failed unexpectedly."), context);
    }

    static Response render(ProxyError error, RoutingContext context) {
        String requestId = context.get(AdminRoutes.REQUEST_ID);
        AdminAudit.failed(context, error.code());
        Response.ResponseBuilder response = Response.status(error.status()).type("application/json");
        if (requestId == null) {
            // a path no route of the proxy's serves (RESTEasy answers every path the others leave): its id made here
            requestId = RequestIds.resolve(context.request().headers().getAll(RequestIds.HEADER));
            response.header(RequestIds.HEADER, requestId);
        }
        response.entity(ErrorEnvelope.render(error, requestId, false).toString());
        error.headers().forEach(response::header);
        return response.build();
    }
}
