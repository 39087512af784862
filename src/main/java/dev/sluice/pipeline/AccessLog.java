package dev.sluice.pipeline;

import dev.sluice.accesslog.AccessLogWriter;
import dev.sluice.accesslog.AccessLines;
import dev.sluice.config.SluiceConfig;
import dev.sluice.limits.AccountLimits;
import dev.sluice.upstream.Attempt;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * One line per request on the {@code sluice.access} logger: request id, account (never the key), model, backend,
 * status, code, attempts, durations and bytes.
 *
 * <p>With the shipped logging set-up (plain lines on the console only), the line is written by
 * {@link AccessLogWriter}'s own thread, in the console's format, in batches: the logging system's per-line record,
 * formatter and write would cost more CPU than the rest of a plain request. With any other set-up (JSON lines, a log
 * file, syslog, another console format) the line goes through the logging system, and with JSON each field is also
 * its own member of the MDC.
 */
@Singleton
final class AccessLog {

    private static final Logger LOGGER = Logger.getLogger("sluice.access");
    private static final String[] FIELDS = {"request_id", "method", "path", "account", "model", "backend", "status",
        "code", "origin", "attempts", "duration_ms", "upstream_ms", "bytes_in", "bytes_out", "stream"};
    /** The console format Sluice ships (application.properties): the one the writer reproduces. */
    static final String SHIPPED_CONSOLE_FORMAT = "%d{HH:mm:ss.SSS} %-5p [%c{2.}] %s%e%n";
    /** Lines queued for the writer at most: about a second of a busy proxy's lines. */
    private static final int QUEUE_LINES = 32_768;

    private final boolean enabled;
    /** JSON log lines carry the MDC: only then are the fields put there too. */
    private final boolean structured;
    /** The writer of the shipped set-up, or null when lines go through the logging system. */
    private final AccessLogWriter writer;
    private final AccessLines lines;

    AccessLog(SluiceConfig config, MeterRegistry registry,
            @ConfigProperty(name = "quarkus.log.console.json.enabled", defaultValue = "false") boolean consoleJson,
            @ConfigProperty(name = "quarkus.log.file.json.enabled", defaultValue = "false") boolean fileJson,
            @ConfigProperty(name = "quarkus.log.console.enable", defaultValue = "true") boolean console,
            @ConfigProperty(name = "quarkus.log.console.format", defaultValue = SHIPPED_CONSOLE_FORMAT) String format,
            @ConfigProperty(name = "quarkus.log.file.enabled", defaultValue = "false") boolean file,
            @ConfigProperty(name = "quarkus.log.syslog.enabled", defaultValue = "false") boolean syslog) {
        this.enabled = config.accessLog().enabled() && LOGGER.isInfoEnabled();
        this.structured = consoleJson || fileJson;
        boolean shippedSetUp = console && !consoleJson && !file && !syslog && SHIPPED_CONSOLE_FORMAT.equals(format);
        this.writer = enabled && shippedSetUp
                ? new AccessLogWriter(System.out, QUEUE_LINES) : null;
        this.lines = new AccessLines();
        if (writer != null) {
            FunctionCounter.builder("sluice_access_log_dropped", writer, AccessLogWriter::dropped)
                    .description("Access-log lines dropped because standard output did not keep up")
                    .register(registry);
        }
    }

    @PreDestroy
    void close() {
        if (writer != null) {
            writer.close();
        }
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
        if (writer != null) {
            writer.offer(lines.line(FIELDS, values));
            return;
        }
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
