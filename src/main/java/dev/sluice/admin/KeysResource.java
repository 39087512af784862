package dev.sluice.admin;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.concurrent.CompletionStage;

/**
 * {@code /admin/v1/keys} (contract §10.1): API keys created, listed, read and deleted at run time. Behind
 * {@link AdminRoutes}' gate (admin key, request id, metrics); errors through {@link AdminErrors}. Runs on the event
 * loop: nothing here blocks.
 */
@io.smallrye.common.annotation.NonBlocking
@Path("/admin/v1/keys")
public class KeysResource {

    private final AdminService admin;

    KeysResource(AdminService admin) {
        this.admin = admin;
    }

    @POST
    public CompletionStage<Response> create(@HeaderParam("content-type") String contentType, byte[] body,
            RoutingContext context) {
        return admin.createKey(contentType, body, AdminAudit.Notes.of(context)).map(key -> json(201, key)).toCompletionStage();
    }

    @GET
    public Response list(@Context UriInfo uri) {
        // absent: every runtime key; present, it must name an account (an unset variable in ?account=$A must not
        // list every customer's keys)
        java.util.List<String> accounts = uri.getQueryParameters().get("account");
        String account = accounts == null ? null : accounts.get(0);
        if (account != null && account.isBlank()) {
            throw AdminBodies.invalid("account", "'account' must name an account; leave it out to list every key.");
        }
        return json(200, admin.listKeys(account));
    }

    @GET
    @Path("{id}")
    public Response get(@PathParam("id") String id) {
        return json(200, admin.key(id));
    }

    @DELETE
    @Path("{id}")
    public CompletionStage<Response> delete(@PathParam("id") String id) {
        return admin.deleteKey(id).map(deleted -> Response.noContent().build()).toCompletionStage();
    }

    static Response json(int status, JsonObject body) {
        return Response.status(status).type("application/json").entity(body.encode()).build();
    }
}
