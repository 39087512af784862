package dev.sluice.pipeline;

import dev.sluice.config.SluiceConfig;
import dev.sluice.limits.AccountLimits;
import dev.sluice.upstream.Attempt;
import jakarta.inject.Singleton;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * One line per request on the {@code sluice.access} logger: request id, account (never the key), model, backend,
 * status, code, attempts, durations and bytes. The same fields go into the MDC, so that with
 * {@code quarkus.log.console.json=true} each is its own JSON field.
 */
@Singleton
final class AccessLog {

    private static final Logger LOGGER = Logger.getLogger("sluice.access");
    private static final String[] FIELDS = {"request_id", "method", "path", "account", "model", "backend", "status",
        "code", "origin", "attempts", "duration_ms", "upstream_ms", "bytes_in", "bytes_out", "stream"};

    private final boolean enabled;
    /** JSON log lines carry the MDC: only then are the fields put there too. */
    private final boolean structured;

    AccessLog(SluiceConfig config,
            @ConfigProperty(name = "quarkus.log.console.json.enabled", defaultValue = "false") boolean consoleJson,
            @ConfigProperty(name = "quarkus.log.file.json.enabled", defaultValue = "false") boolean fileJson) {
        this.enabled = config.accessLog().enabled() && LOGGER.isInfoEnabled();
        this.structured = consoleJson || fileJson;
    }

    void log(Exchange exchange, Outcome outcome) {
        if (!enabled) {
            return;
        }
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
            outcome.origin().wire(),
            attempts(outcome.attempts()),
            millis(durationMicros),
            millis(outcome.upstreamNanos() / 1_000),
            Long.toString(exchange.request().bytesRead()),
            Long.toString(exchange.response().bytesWritten()),
            Boolean.toString(outcome.streaming())};
        StringBuilder line = new StringBuilder(256);
        for (int i = 0; i < FIELDS.length; i++) {
            if (structured) {
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
            if (structured) {
                for (String field : FIELDS) {
                    MDC.remove(field);
                }
            }
        }
    }

    /** The failed attempts as backend:code, then the backend that answered (if any). */
    private static String attempts(List<Attempt> attempts) {
        if (attempts.isEmpty()) {
            return "-";
        }
        StringBuilder text = new StringBuilder();
        for (Attempt attempt : attempts) {
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
