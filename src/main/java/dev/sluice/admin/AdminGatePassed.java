package dev.sluice.admin;

import dev.sluice.error.ErrorCode;
import dev.sluice.error.ProxyError;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * The admin resources' own check that {@link AdminRoutes}' gate let the request through. RESTEasy matches paths its
 * own way: it drops a segment's {@code ;parameters} and decodes what the router's pattern sees encoded, so
 * {@code /admin;x/v1/keys} reaches the keys resource while the gate's route, which matches {@code /admin/…}, never saw
 * it. Whatever path reached a resource, a request the gate did not pass answers 404 {@code not_found}, as a path
 * outside the admin API does. It applies to every REST resource of the application, which are all the admin API's
 * (the proxy's own paths are Vert.x routes); a resource outside it would need a name binding here.
 */
public class AdminGatePassed {

    @ServerRequestFilter
    public Response onlyThroughTheGate(RoutingContext context) {
        if (Boolean.TRUE.equals(context.get(AdminRoutes.PASSED))) {
            return null;
        }
        return AdminErrors.render(ProxyError.of(ErrorCode.NOT_FOUND,
                "There is no endpoint at " + context.request().method() + " " + context.request().path() + "."), context);
    }
}
