package dev.sluice.pipeline;

import dev.sluice.accesslog.AccessFields;
import dev.sluice.accesslog.AccessLines;
import dev.sluice.accesslog.AccessLogWriter;
import dev.sluice.accesslog.LoggedLine;
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
        if (writer != null) {
            AccessLines.Line line = lines.start();
            fields(line, exchange, outcome);
            writer.offer(line.bytes());
        } else {
            LoggedLine line = new LoggedLine(structured);
            fields(line, exchange, outcome);
            line.logTo(LOGGER);
        }
    }

    /** The line's fields, in the order of the contract's access-log line. */
    private static void fields(AccessFields line, Exchange exchange, Outcome outcome) {
        AccountLimits account = exchange.account();
        long durationMicros = (System.nanoTime() - exchange.startNanos()) / 1_000;
        line.text("request_id", exchange.requestId())
                .text("method", exchange.loggedMethod())
                .text("path", exchange.loggedPath())
                .text("account", account == null ? "-" : account.account())
                .text("model", exchange.model() == null ? "-" : exchange.model().name())
                .text("backend", outcome.backend() == null ? "-" : outcome.backend())
                .number("status", outcome.status())
                .text("code", outcome.code() == null ? "-" : outcome.code())
                .text("origin", outcome.origin().wire())
                .text("attempts", attempts(outcome.attempts()))
                .millis("duration_ms", durationMicros)
                .millis("upstream_ms", outcome.upstreamNanos() / 1_000)
                .number("bytes_in", exchange.request().bytesRead())
                .number("bytes_out", exchange.response().bytesWritten())
                .flag("stream", outcome.streaming());
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
}
