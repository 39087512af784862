package dev.sluice.upstream;

import dev.sluice.error.ErrorCode;
import dev.sluice.error.ErrorEnvelope;
import dev.sluice.error.ProxyError;
import dev.sluice.http.Exchange;
import dev.sluice.http.Headers;
import dev.sluice.routing.Backend;
import dev.sluice.routing.ModelRoute;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Relays a backend's successful answer to the client as it arrives: status and headers once the first chunk is
 * there, then every chunk, pausing the backend while the client's write queue is full. Nothing is buffered beyond
 * the socket queues. A failure after the first byte ends an event stream with one {@code event: error} event.
 */
final class ResponseRelay {

    private static final Logger LOGGER = Logger.getLogger(ResponseRelay.class);

    private final Vertx vertx;
    private final Exchange exchange;
    private final ModelRoute model;
    private final Backend backend;
    private final UpstreamResponse upstream;
    private final long upstreamStartNanos;
    private final Consumer<Buffer> tap;
    private final Consumer<Exchange.Outcome> done;

    private IdleWatchdog idle;
    /** Bytes of a body with a declared length still to come; -1 for chunked answers. */
    private long remaining = -1;

    ResponseRelay(Vertx vertx, Exchange exchange, ModelRoute model, Backend backend, UpstreamResponse upstream, long upstreamStartNanos,
            Consumer<Buffer> tap, Consumer<Exchange.Outcome> done) {
        this.vertx = vertx;
        this.exchange = exchange;
        this.model = model;
        this.backend = backend;
        this.upstream = upstream;
        this.upstreamStartNanos = upstreamStartNanos;
        this.tap = tap;
        this.done = done;
    }

    void start() {
        HttpClientResponse from = upstream.response();
        HttpServerResponse to = exchange.response();
        if (exchange.clientGone()) {
            // the client left between the backend's first chunk and now: nobody to relay to
            upstream.request().reset();
            finish(499, "client_closed", "router");
            return;
        }
        to.setStatusCode(from.statusCode());
        String statusMessage = from.statusMessage();
        if (statusMessage != null && !statusMessage.isEmpty()) {
            to.setStatusMessage(statusMessage);
        }
        Headers.copyToClient(from.headers(), to.headers());
        String length = to.headers().get("content-length");
        if (length == null) {
            to.setChunked(true);
        } else {
            try {
                remaining = Long.parseLong(length.trim());
            } catch (NumberFormatException unreadable) {
                remaining = -1;
            }
        }
        exchange.markResponseStarted();
        if (isEventStream()) {
            exchange.markStreaming();
        }
        exchange.onShutdownCut(() -> {
            failMidStream(new IllegalStateException("the proxy is shutting down"),
                    "The proxy is shutting down; the stream was cut.");
            upstream.request().reset();
        });
        if (upstream.firstChunk() != null) {
            write(upstream.firstChunk());
        }
        if (upstream.ended()) {
            complete();
            return;
        }
        if (exchange.finished()) {
            // the first chunk was the whole declared body: drain the backend's end so its connection is reused
            from.resume();
            return;
        }
        idle = IdleWatchdog.start(vertx, model.upstream().idleTimeout().toMillis(), () -> {
            upstream.request().reset();
            failMidStream(UpstreamFailure.timeout("no chunk within the idle timeout"),
                    "The backend's stream stalled for longer than the idle timeout.");
        });
        from.handler(chunk -> {
            idle.touch();
            write(chunk);
            if (to.writeQueueFull()) {
                from.pause();
                idle.hold(); // a slow client is not an idle backend
                to.drainHandler(drained -> {
                    idle.release();
                    from.resume();
                });
            }
        });
        from.endHandler(end -> complete());
        from.exceptionHandler(failure -> failMidStream(failure, "The backend's stream broke off before it was complete."));
        from.resume();
    }

    private void write(Buffer chunk) {
        if (tap != null) {
            tap.accept(chunk);
        }
        exchange.response().write(chunk);
        if (remaining > 0) {
            remaining -= chunk.length();
            if (remaining <= 0) {
                // the whole declared body went out: the answer is complete for the client, whatever comes later
                complete();
            }
        }
    }

    private void complete() {
        if (exchange.finished()) {
            return;
        }
        stopWatchdog();
        exchange.response().end();
        finish(upstream.response().statusCode(), "ok", "provider");
    }

    private void failMidStream(Throwable failure, String message) {
        if (exchange.finished()) {
            return;
        }
        stopWatchdog();
        HttpServerResponse to = exchange.response();
        if (exchange.clientGone()) {
            finish(499, "client_closed", "router");
            return;
        }
        LOGGER.warnf("request_id=%s backend=%s stream broke after the first byte: %s", exchange.requestId(),
                backend.name(), failure.getMessage());
        if (isEventStream()) {
            ProxyError error = ProxyError.of(ErrorCode.BACKEND_STREAM_ERROR, message).with("model", exchange.model().name());
            Buffer event = Buffer.buffer("event: error\ndata: ")
                    .appendBuffer(ErrorEnvelope.render(error, exchange.requestId(), exchange.anthropic()))
                    .appendString("\n\n");
            to.end(event);
        } else {
            // a body with a length cannot carry an error: cutting the connection tells the client it is incomplete
            to.reset();
        }
        finish(502, ErrorCode.BACKEND_STREAM_ERROR.code(), "router");
    }

    private boolean isEventStream() {
        String contentType = upstream.response().getHeader("content-type");
        return contentType != null && contentType.toLowerCase(java.util.Locale.ROOT).contains("text/event-stream");
    }

    private void stopWatchdog() {
        if (idle != null) {
            idle.cancel();
        }
    }

    private void finish(int status, String code, String origin) {
        exchange.addUpstreamNanos(System.nanoTime() - upstreamStartNanos);
        done.accept(new Exchange.Outcome(status, code, origin, model.name(), backend.name(),
                exchange.upstreamNanos(), exchange.clientGone()));
    }
}
