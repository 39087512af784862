package dev.sluice.admin;

import dev.sluice.auth.AdminKeys;
import dev.sluice.auth.KeyRing;
import dev.sluice.control.ControlMetrics;
import dev.sluice.control.ControlPlane;
import dev.sluice.control.Generation;
import dev.sluice.error.ErrorCode;
import dev.sluice.error.ErrorEnvelope;
import dev.sluice.error.ProxyError;
import dev.sluice.wire.BodyReader;
import dev.sluice.wire.RequestIds;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The gate in front of the admin API's resources (contract §10.1), a Vert.x route that runs before RESTEasy: every
 * answer under {@code /admin} gets its {@code x-request-id} and is counted in
 * {@code sluice_admin_requests_total{operation,status}}; without {@code sluice.admin.keys} every path there answers
 * 404 {@code not_found}; a request without an admin key answers 401, one with an API key 403. A path no resource
 * serves answers 404 {@code not_found} in the envelope ({@link #notFound}, after RESTEasy).
 */
@Singleton
public class AdminRoutes {

    /** Where the gate leaves the request id for the resources and the error mappers. */
    static final String REQUEST_ID = "sluice.request-id";
    /** An admin body is a few fields: a larger one is refused before it is read. */
    static final long MAX_BODY = 64 * 1024;
    /** Set on a request the gate let through, which the resources check ({@link AdminGatePassed}). */
    static final String PASSED = "sluice.admin-gate-passed";

    private static final Pattern KEY = Pattern.compile("/admin/v1/keys/[^/]+");
    private static final Pattern ACCOUNT = Pattern.compile("/admin/v1/accounts/[^/]+");
    private static final Pattern CREDITS = Pattern.compile("/admin/v1/accounts/[^/]+/credits");

    private final ControlPlane control;
    private final ControlMetrics metrics;
    private final AdminAudit audit;

    AdminRoutes(ControlPlane control, ControlMetrics metrics, AdminAudit audit) {
        this.control = control;
        this.metrics = metrics;
        this.audit = audit;
    }

    void register(@Observes Router router) {
        router.route().pathRegex("/admin(?:/.*)?").order(-900).handler(this::gate);
        router.route().pathRegex("/admin(?:/.*)?").order(Integer.MAX_VALUE - 1).handler(this::notFound);
    }

    void gate(RoutingContext context) {
        HttpServerRequest request = context.request();
        String requestId = RequestIds.resolve(request.headers().getAll(RequestIds.HEADER));
        context.put(REQUEST_ID, requestId);
        HttpServerResponse response = context.response();
        response.headers().set(RequestIds.HEADER, requestId);
        // decided on the path as the router matched it (//admin/v1/keys is /admin/v1/keys, as for the proxy's paths)
        String path = context.normalizedPath();
        String operation = operation(request.method().name(), path);
        Generation generation = control.generation();
        AdminKeys adminKeys = generation.file().adminKeys();
        // without admin keys there is no admin API to keep a trail of: its 404s are counted only
        boolean audited = adminKeys.enabled();
        long startNanos = System.nanoTime();
        context.addEndHandler(ended -> {
            metrics.adminAnswered(operation, response.getStatusCode());
            if (audited) {
                audit.answered(context, operation, startNanos);
            }
        });

        if (!adminKeys.enabled() || !path.startsWith("/admin/v1/")) {
            answer(context, notFound(request));
            return;
        }
        String presented = KeyRing.presentedAdminKey(request.headers());
        if (!adminKeys.matches(presented)) {
            // an API key answers 403 however it is sent (Authorization or x-api-key)
            answer(context, generation.authenticate(request.headers()) != null
                    ? ProxyError.of(ErrorCode.HTTP_403, "API keys cannot use the admin API; use an admin key.")
                    : ProxyError.of(ErrorCode.HTTP_401, "An admin key is required (Authorization: Bearer)."));
            return;
        }
        // the trail names the admin key by its hash's first 8 hex digits, which an operator can compute from it
        AdminAudit.adminKey(context, HexFormat.of().formatHex(KeyRing.sha256(presented), 0, 4));
        String allowed = allowedMethods(path);
        if (allowed != null && !allows(allowed, request.method().name())) {
            // answered here rather than by RESTEasy, whose automatic OPTIONS lists methods these paths refuse
            answer(context, ProxyError.of(ErrorCode.METHOD_NOT_ALLOWED,
                    request.path() + " does not accept " + request.method() + ".").header("allow", allowed));
            return;
        }
        long declared = BodyReader.declaredLength(request);
        if (declared > MAX_BODY) {
            // refused here, in the envelope: past the REST layer's own limit its 413 has no body at all
            answer(context, BodyReader.tooLarge(MAX_BODY));
            return;
        }
        context.put(PASSED, Boolean.TRUE);
        context.next();
    }

    /** What no resource answered. */
    void notFound(RoutingContext context) {
        answer(context, notFound(context.request()));
    }

    private static ProxyError notFound(HttpServerRequest request) {
        return ProxyError.of(ErrorCode.NOT_FOUND, "There is no endpoint at " + request.method() + " " + request.path() + ".");
    }

    private static void answer(RoutingContext context, ProxyError error) {
        HttpServerResponse response = context.response();
        if (response.ended()) {
            return;
        }
        AdminAudit.failed(context, error.code());
        response.setStatusCode(error.status()).putHeader("content-type", "application/json");
        error.headers().forEach(response::putHeader);
        response.end(ErrorEnvelope.render(error, context.get(REQUEST_ID), false));
    }

    /** The methods a path of the admin API answers (its {@code Allow}), or null for a path it does not serve. */
    static String allowedMethods(String path) {
        String trimmed = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
        if (trimmed.equals("/admin/v1/keys")) {
            return "GET, HEAD, POST";
        }
        if (KEY.matcher(trimmed).matches()) {
            return "GET, HEAD, DELETE";
        }
        if (CREDITS.matcher(trimmed).matches()) {
            return "POST";
        }
        if (ACCOUNT.matcher(trimmed).matches()) {
            return "GET, HEAD, PUT, DELETE";
        }
        return null;
    }

    private static boolean allows(String allowed, String method) {
        for (String each : allowed.split(", ")) {
            if (each.equals(method)) {
                return true;
            }
        }
        return false;
    }

    /** The operation label: one of the admin API's eight calls, or {@code unknown} (bounded). */
    static String operation(String method, String path) {
        String trimmed = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
        if (trimmed.equals("/admin/v1/keys")) {
            return method.equals("POST") ? "create_key" : method.equals("GET") ? "list_keys" : "unknown";
        }
        if (KEY.matcher(trimmed).matches()) {
            return method.equals("GET") ? "get_key" : method.equals("DELETE") ? "delete_key" : "unknown";
        }
        if (CREDITS.matcher(trimmed).matches()) {
            return method.equals("POST") ? "add_credits" : "unknown";
        }
        if (ACCOUNT.matcher(trimmed).matches()) {
            return switch (method) {
                case "PUT" -> "put_account";
                case "GET" -> "get_account";
                case "DELETE" -> "delete_account";
                default -> "unknown";
            };
        }
        return "unknown";
    }
}
