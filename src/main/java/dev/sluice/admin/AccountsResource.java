package dev.sluice.admin;

import static dev.sluice.admin.KeysResource.json;

import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.util.concurrent.CompletionStage;

/**
 * {@code /admin/v1/accounts} (contract §10.1): accounts created or replaced, read with their usage and deleted at run
 * time, and credits added to any account. Behind {@link AdminRoutes}' gate; errors through {@link AdminErrors}.
 */
@io.smallrye.common.annotation.NonBlocking
@Path("/admin/v1/accounts/{name}")
public class AccountsResource {

    private final AdminService admin;

    AccountsResource(AdminService admin) {
        this.admin = admin;
    }

    @PUT
    public CompletionStage<Response> put(@PathParam("name") String name, @HeaderParam("content-type") String contentType,
            byte[] body) {
        return admin.putAccount(name, contentType, body).map(account -> json(200, account)).toCompletionStage();
    }

    @GET
    public CompletionStage<Response> get(@PathParam("name") String name) {
        return admin.account(name).map(account -> json(200, account)).toCompletionStage();
    }

    @DELETE
    public CompletionStage<Response> delete(@PathParam("name") String name) {
        return admin.deleteAccount(name).map(deleted -> Response.noContent().build()).toCompletionStage();
    }

    @POST
    @Path("credits")
    public CompletionStage<Response> credits(@PathParam("name") String name,
            @HeaderParam("content-type") String contentType, byte[] body, RoutingContext context) {
        return admin.addCredits(name, contentType, body, AdminAudit.Notes.of(context)).map(credits -> json(200, credits))
                .toCompletionStage();
    }
}
