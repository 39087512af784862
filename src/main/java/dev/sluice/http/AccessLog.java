package dev.sluice.http;

import dev.sluice.limits.AccountLimits;
import dev.sluice.upstream.Attempt;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * One line per request on the {@code sluice.access} logger: request id, account (never the key), model, backend,
 * status, code, attempts, durations and bytes. The same fields go into the MDC, so that with
 * {@code quarkus.log.console.json=true} each is its own JSON field.
 */
public final class AccessLog {

    private static final Logger LOGGER = Logger.getLogger("sluice.access");
    private static final String[] FIELDS = {"request_id", "method", "path", "account", "model", "backend", "status",
        "code", "origin", "attempts", "duration_ms", "upstream_ms", "bytes_in", "bytes_out", "stream"};

    private AccessLog() {
    }

    /** JSON log lines carry the MDC: only then are the fields put there too. */
    private static final boolean STRUCTURED = org.eclipse.microprofile.config.ConfigProvider.getConfig()
            .getOptionalValue("quarkus.log.console.json.enabled", Boolean.class).orElse(false)
            || org.eclipse.microprofile.config.ConfigProvider.getConfig()
                    .getOptionalValue("quarkus.log.file.json.enabled", Boolean.class).orElse(false);

    public static boolean enabled() {
        return LOGGER.isInfoEnabled();
    }

    public static void log(Exchange exchange, Exchange.Outcome outcome) {
        AccountLimits account = exchange.account();
        long durationMicros = (System.nanoTime() - exchange.startNanos()) / 1_000;
        String[] values = {
            exchange.requestId(),
            exchange.request().method().name(),
            exchange.request().path(),
            account == null ? "-" : account.account(),
            exchange.model() == null ? "-" : exchange.model().name(),
            outcome.backend() == null ? "-" : outcome.backend(),
            Integer.toString(outcome.status()),
            outcome.code() == null ? "-" : outcome.code(),
            outcome.origin() == null ? "-" : outcome.origin(),
            attempts(exchange),
            millis(durationMicros),
            millis(outcome.upstreamNanos() / 1_000),
            Long.toString(exchange.request().bytesRead()),
            Long.toString(exchange.response().bytesWritten()),
            Boolean.toString(exchange.streaming())};
        StringBuilder line = new StringBuilder(256);
        for (int i = 0; i < FIELDS.length; i++) {
            if (STRUCTURED) {
                MDC.put(FIELDS[i], values[i]);
            }
            if (i > 0) {
                line.append(' ');
            }
            line.append(FIELDS[i]).append('=').append(values[i]);
        }
        try {
            LOGGER.info(line);
        } finally {
            if (STRUCTURED) {
                for (String field : FIELDS) {
                    MDC.remove(field);
                }
            }
        }
    }

    /** The failed attempts as backend:code, then the backend that answered (if any). */
    private static String attempts(Exchange exchange) {
        if (exchange.attempts().isEmpty()) {
            return "-";
        }
        StringBuilder text = new StringBuilder();
        for (Attempt attempt : exchange.attempts()) {
            if (text.length() > 0) {
                text.append(',');
            }
            text.append(attempt.backend()).append(':').append(attempt.code());
        }
        return text.toString();
    }

    private static String millis(long micros) {
        long fraction = micros % 1000;
        return micros / 1000 + (fraction < 10 ? ".00" : fraction < 100 ? ".0" : ".") + fraction;
    }
}
