package dev.sluice.admin;

import dev.sluice.accesslog.LoggedLine;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * One line per admin API request on the {@code sluice.admin} logger, the operators' trail of who changed which key,
 * account or balance: request id, method, path, operation, the admin key (the first 8 hex digits of its SHA-256,
 * never the key), status, code, duration, and what the change named ({@code key_id}, {@code account},
 * {@code amount}, {@code credits_available}).
 *
 * <p>Written through the logging system (admin calls are few; the proxy's access log has its own writer because
 * there are many), so JSON logs carry each field in the MDC as the access log's lines do.
 */
@Singleton
public class AdminAudit {

    private static final Logger LOGGER = Logger.getLogger("sluice.admin");
    /** The error code of an answer that was not a success, left on the request by whoever answered it. */
    private static final String CODE = "sluice.admin-code";
    /** What the change named, in the order the resources noted it. */
    private static final String DETAILS = "sluice.admin-details";
    /** The admin key the gate matched. */
    private static final String ADMIN_KEY = "sluice.admin-key";

    private final boolean structured;

    AdminAudit(@ConfigProperty(name = "quarkus.log.console.json.enabled", defaultValue = "false") boolean consoleJson,
            @ConfigProperty(name = "quarkus.log.file.json.enabled", defaultValue = "false") boolean fileJson) {
        this.structured = consoleJson || fileJson;
    }

    /** Notes the code of an error answer (for the line's {@code code}; a success is {@code ok}). */
    static void failed(RoutingContext context, String code) {
        context.put(CODE, code);
    }

    /** Notes the admin key that was presented and matched, as its hash's prefix. */
    static void adminKey(RoutingContext context, String hashPrefix) {
        context.put(ADMIN_KEY, hashPrefix);
    }

    /** What a change named, for its line, e.g. {@code key_id}: noted by the admin service once the change is made. */
    @FunctionalInterface
    interface Notes {
        void note(String name, Object value);

        /** The notes of the request in {@code context}. */
        static Notes of(RoutingContext context) {
            return (name, value) -> {
                Map<String, String> details = context.get(DETAILS);
                if (details == null) {
                    details = new LinkedHashMap<>(4);
                    context.put(DETAILS, details);
                }
                details.put(name, String.valueOf(value));
            };
        }
    }

    /** Logs the request's line once its answer has ended. */
    void answered(RoutingContext context, String operation, long startNanos) {
        if (!LOGGER.isInfoEnabled()) {
            return;
        }
        int status = context.response().getStatusCode();
        String code = context.get(CODE);
        String adminKey = context.get(ADMIN_KEY);
        LoggedLine line = new LoggedLine(structured);
        line.text("request_id", context.get(AdminRoutes.REQUEST_ID))
                .text("method", context.request().method().name())
                .text("path", context.request().path())
                .text("operation", operation)
                .text("admin_key", adminKey == null ? "-" : adminKey)
                .number("status", status)
                .text("code", code != null ? code : status < 400 ? "ok" : "http_" + status)
                .millis("duration_ms", (System.nanoTime() - startNanos) / 1_000);
        Map<String, String> details = context.get(DETAILS);
        if (details != null) {
            details.forEach(line::text);
        }
        line.logTo(LOGGER);
    }
}
