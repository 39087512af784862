package dev.sluice.pipeline;

import dev.sluice.api.Endpoint;
import dev.sluice.error.ErrorCode;
import dev.sluice.error.ErrorEnvelope;
import dev.sluice.error.Origin;
import dev.sluice.error.ProxyError;
import dev.sluice.limits.UsageTap;
import dev.sluice.translate.StreamTranslator;
import dev.sluice.translate.TranslatedRequest;
import dev.sluice.translate.Translation;
import dev.sluice.upstream.IdleWatchdog;
import dev.sluice.upstream.UpstreamAnswer;
import dev.sluice.upstream.UpstreamFailure;
import dev.sluice.upstream.UpstreamResult;
import dev.sluice.wire.Headers;
import io.vertx.core.AsyncResult;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;
import java.util.Locale;
import org.jboss.logging.Logger;

/**
 * The seam between a backend's answer and the client's: relays the answer as it arrives — status and headers, then
 * every chunk, pausing the backend while the client's write queue is full, so nothing is buffered beyond the socket
 * queues. Every chunk passes {@link #write}, where the usage is read for settlement (and where a protocol translator
 * takes over the bytes). A failure after the first byte ends an event stream with one {@code event: error}.
 *
 * <p>It ends the exchange through {@link Finish}, releasing the slot before the last bytes go out. Confined to the
 * event loop of the client's connection.
 */
final class Relay {

    /**
     * No listener for a write to the client: a write with one allocates a promise, and Netty then a channel promise
     * and a promise combiner, for every chunk; a failed write is seen as the client's connection closing.
     */
    private static final Handler<AsyncResult<Void>> NO_LISTENER = null;

    private static final Logger LOGGER = Logger.getLogger(Relay.class);
    /** The attempts started, on every answer for a model with {@code hedge} (contract §6.6). */
    static final String ATTEMPTS_HEADER = "x-sluice-attempts";
    /** The model that answered a request whose model the proxy chose (contract §6.7), or a fallback. */
    static final String MODEL_HEADER = "x-sluice-model";
    private final Vertx vertx;
    private final Finish finish;
    private final Exchange exchange;
    private final UpstreamAnswer answer;
    private final long failedAttemptsNanos;
    private final java.util.List<dev.sluice.upstream.Attempt> attempts;
    private final int attemptsStarted;
    private final UsageTap usage;
    /** True when the account holds something (a slot, reservations) to release before the last byte. */
    private final boolean holds;
    private final boolean eventStream;
    /** The request as translated for the model that answered, or null when no translation is needed. */
    private final TranslatedRequest translated;
    /** Turns the backend's events into the client's, for a translated stream; null otherwise. */
    private StreamTranslator translator;
    /** For an untranslated stream of an API whose streams end with a final line; null otherwise. */
    private final StopReasonWatch stopReasons;
    /** For an event stream: finds the line that ends it (once it went out, the client's answer is whole). */
    private final FinalLineWatch finalLine;
    /** For an untranslated event stream: writes whole events only, so that an error event never lands in one. */
    private final WholeEvents wholeEvents;

    private IdleWatchdog idle;
    /** Bytes of a body with a declared length still to come; -1 for chunked answers. */
    private long remaining = -1;
    /** True once the status line is set: from then on the client is being answered and usage settles. */
    private boolean started;
    private boolean ending;
    /** True while the stream's final event waits for the account's release before it goes out. */
    private boolean finalEventHeld;
    /** True once the stream's final event went out: whatever the backend does next, the client's answer is whole. */
    private boolean finalEventSent;
    /** True when the backend broke or stalled after its final event had come. */
    private boolean stoppedAfterFinalEvent;

    Relay(Vertx vertx, Finish finish, Exchange exchange, UpstreamResult.Answered result) {
        this.vertx = vertx;
        this.finish = finish;
        this.exchange = exchange;
        this.answer = result.answer();
        this.failedAttemptsNanos = result.failedAttemptsNanos();
        this.attempts = result.attempts();
        this.attemptsStarted = result.started();
        this.usage = exchange.ticket() == null ? null : exchange.ticket().usage();
        this.holds = exchange.ticket() != null && exchange.ticket().lease() != null;
        String contentType = answer.response().getHeader("content-type");
        this.eventStream = contentType != null && contentType.toLowerCase(Locale.ROOT).contains("text/event-stream");
        this.translated = exchange.outgoing().translatedFor(answer.model());
        Endpoint endpoint = exchange.endpoint();
        this.stopReasons = eventStream && translated == null && (endpoint == Endpoint.CHAT_COMPLETIONS
                || endpoint == Endpoint.COMPLETIONS || endpoint == Endpoint.MESSAGES) ? new StopReasonWatch() : null;
        this.finalLine = eventStream ? new FinalLineWatch() : null;
        this.wholeEvents = eventStream && translated == null ? new WholeEvents() : null;
    }

    void start() {
        HttpClientResponse from = answer.response();
        HttpServerResponse to = exchange.response();
        if (exchange.clientGone()) {
            // the client left between the backend's first chunk and now: nobody to relay to
            clientGone();
            return;
        }
        to.setStatusCode(from.statusCode());
        String statusMessage = from.statusMessage();
        // the backend's reason phrase only when not the code's own: Vert.x builds a status object for each one set
        if (statusMessage != null && !statusMessage.isEmpty() && !statusMessage.equals(to.getStatusMessage())) {
            to.setStatusMessage(statusMessage);
        }
        Headers.copyToClient(from.headers(), to.headers());
        if (translated != null) {
            translateHeaders(to);
        } else {
            // a fallback of the client's own protocol answered a request whose model is translated
            to.headers().remove(Translation.HEADER);
        }
        if (exchange.model().hedge() != null) {
            to.headers().set(ATTEMPTS_HEADER, Integer.toString(attemptsStarted));
        }
        if (exchange.candidates() != null || answer.model() != exchange.model()) {
            // the client may not have had the model it asked for: a fallback's answer says which one it is
            to.headers().set(MODEL_HEADER, answer.model().name());
        }
        started = true;
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
        if (answer.firstChunk() != null && write(answer.firstChunk())) {
            return;
        }
        if (answer.ended()) {
            backendEnded();
            return;
        }
        idle = answer.watchdog();
        idle.retarget(answer.model().upstream().idleTimeout().toMillis(), () -> {
            // ended first, so that the reset below (which fails the response's end future) is not taken for a break
            backendStopped(UpstreamFailure.timeout("no chunk within the idle timeout"),
                    "The backend's stream stalled for longer than the idle timeout.");
            answer.cancel();
        });
        from.handler(chunk -> {
            if (ending) {
                return;
            }
            idle.touch();
            if (write(chunk) || ending) {
                // the answer is complete (or was cut): the client's response is ended and must not be touched
                return;
            }
            if (to.writeQueueFull()) {
                from.pause();
                idle.hold(); // a slow client is not an idle backend
                to.drainHandler(drained -> {
                    idle.release();
                    from.resume();
                });
            }
        });
        from.endHandler(end -> backendEnded());
        // the response's end future, not an exception handler: it also holds a break that came after the first chunk
        // and before this relay took the response over (the backend call's handler no longer listened then)
        from.end().onFailure(failure -> backendStopped(failure, "The backend's stream broke off before it was complete."));
        from.resume();
    }

    /**
     * The headers of a translated answer: none that describe the backend's bytes (length, encoding, digest), the
     * translation named; a JSON answer (already translated whole) gets its own length, a stream is chunked.
     */
    private void translateHeaders(HttpServerResponse to) {
        Translation translation = translated.translation();
        for (String name : java.util.List.copyOf(to.headers().names())) {
            if (!translation.relaysResponseHeader(name)) {
                to.headers().remove(name);
            }
        }
        to.headers().set(Translation.HEADER, translation.headerValue());
        if (eventStream) {
            translator = translated.streamTranslator(exchange.requestId(), chunk -> to.write(chunk, NO_LISTENER));
        } else if (answer.firstChunk() != null) {
            to.headers().set("content-length", Integer.toString(answer.firstChunk().length()));
        }
    }

    /**
     * Passes one chunk to the client. The chunk that completes the answer (the last bytes of a declared length, the
     * final event of a stream) waits until the account's release is sent ({@link Finish#release}).
     *
     * @return true when this chunk ended the relay (nothing more may be written)
     */
    private boolean write(Buffer chunk) {
        if (usage != null) {
            usage.accept(chunk);
        }
        if (stopReasons != null) {
            stopReasons.accept(chunk);
        }
        if (remaining > 0) {
            remaining -= chunk.length();
            if (remaining <= 0) {
                // the whole declared body is here: the answer is complete for the client, whatever comes later
                complete(chunk, false);
                return true;
            }
        }
        boolean finalEvent = finalLine != null && (holds || translator == null) && finalLine.accept(chunk);
        if (finalEvent && holds) {
            // the client has its answer with this event: free the slot before it can send its next request
            answer.response().pause();
            finalEventHeld = true;
            finish.release(exchange, true, answer.model()).onComplete(released -> {
                finalEventHeld = false;
                if (ending || pass(chunk)) {
                    return;
                }
                finalEventSent = true;
                if (stoppedAfterFinalEvent) {
                    complete(null, true);
                } else {
                    answer.response().resume();
                }
            });
            // the release may have completed at once (local store) and the chunk ended the answer
            return ending;
        }
        if (pass(chunk)) {
            return true;
        }
        finalEventSent |= finalEvent;
        return false;
    }

    /**
     * Writes a chunk to the client, through the translator when there is one.
     *
     * @return true when the translated stream is over with it (its final event, or an error event)
     */
    private boolean pass(Buffer chunk) {
        if (translator == null) {
            Buffer whole = wholeEvents == null ? chunk : wholeEvents.whole(chunk);
            if (whole != null) {
                exchange.response().write(whole, NO_LISTENER);
            }
            return false;
        }
        translator.accept(chunk);
        if (!translator.finished()) {
            return false;
        }
        if (translator.failed()) {
            // the translator wrote the error event in the client's form (an error inside the stream, or bytes it
            // could not read): the stream ends there, the backend is stopped
            endTranslatedWithError();
        } else {
            complete(null, false);
        }
        return true;
    }

    private void endTranslatedWithError() {
        ending = true;
        stopWatchdog();
        answer.cancel();
        ProxyError error = translator.failure() != null ? translator.failure()
                : ProxyError.of(ErrorCode.BACKEND_STREAM_ERROR, "The backend's stream could not be translated.");
        LOGGER.warnf("request_id=%s backend=%s translated stream ended with an error: %s", exchange.requestId(),
                answer.backend().name(), error.getMessage());
        end(ErrorCode.BACKEND_STREAM_ERROR.status(), ErrorCode.BACKEND_STREAM_ERROR.code(), Origin.ROUTER, true,
                exchange.response()::end);
    }

    /**
     * The backend ended its answer. An untranslated stream that neither sent its final line nor said why its answer
     * stopped was cut short, however cleanly: the client is told so with the error event of a broken stream (contract
     * §6.4), as a translated one is by its translator.
     */
    private void backendEnded() {
        if (errorEventCut()) {
            failMidStream(new IllegalStateException("the stream ended inside its error event"),
                    "The backend's stream ended before the answer was complete.");
            return;
        }
        if (stopReasons != null && !finalEventSent && !finalEventHeld && !stopReasons.seen()
                && !finalLine.endedOnFinalLine()) {
            failMidStream(new IllegalStateException("the stream ended before its final event"),
                    "The backend's stream ended before the answer was complete.");
            return;
        }
        complete(null, true);
    }

    /** The backend's answer is complete: the slot is released, then the last bytes and the end go to the client. */
    private void complete(Buffer lastChunk, boolean backendEnded) {
        if (ending) {
            return;
        }
        ending = true;
        stopWatchdog();
        if (!backendEnded) {
            // a declared length complete before the backend's end: drain it so that its connection is reused
            answer.response().handler(null);
            answer.response().resume();
        }
        HttpServerResponse to = exchange.response();
        if (wholeEvents != null) {
            // the answer is complete: an event held for its end goes out as the backend sent it
            lastChunk = wholeEvents.rest(lastChunk);
        }
        if (translator != null && !translator.finished()) {
            // the backend ended its stream: the translator closes what is open (or reports a truncated stream)
            translator.end();
        }
        boolean failed = translator != null && translator.failed();
        // an untranslated stream that the backend ended with its own error event: relayed as it came, counted as broken
        boolean endedOnError = backendEndedOnError();
        Buffer last = lastChunk;
        end(failed || endedOnError ? ErrorCode.BACKEND_STREAM_ERROR.status() : answer.response().statusCode(),
                failed || endedOnError ? ErrorCode.BACKEND_STREAM_ERROR.code() : "ok",
                failed ? Origin.ROUTER : Origin.PROVIDER, true, () -> {
            // one write for the last bytes and the end (as one HTTP message when the answer fits in one chunk)
            if (last != null) {
                to.end(last, NO_LISTENER);
            } else {
                to.end(NO_LISTENER);
            }
        });
    }

    /**
     * The client went away: the backend is stopped at once. After the stream's final event the client had its whole
     * answer (SDKs close the connection once they read it), so the request counts as answered, not as 499.
     */
    void clientGone() {
        if (ending) {
            return;
        }
        ending = true;
        stopWatchdog();
        answer.cancel();
        if (finalEventSent) {
            if (backendEndedOnError()) {
                // the client had the backend's error event (an SDK closes the connection once it read one)
                end(ErrorCode.BACKEND_STREAM_ERROR.status(), ErrorCode.BACKEND_STREAM_ERROR.code(), Origin.PROVIDER,
                        true, null);
                return;
            }
            end(answer.response().statusCode(), "ok", Origin.PROVIDER, true, null);
            return;
        }
        ProxyError closed = Answers.clientClosed();
        // an answer that had started settles as answered: the backend did the work
        end(closed.status(), closed.code(), closed.origin(), started, null);
    }

    /** The proxy stops: the answer is cut (a stream with an error event), the backend stopped. */
    void cutForShutdown() {
        failMidStream(new IllegalStateException("the proxy is shutting down"),
                "The proxy is shutting down; the stream was cut.");
        answer.cancel();
    }

    /**
     * The backend's stream broke or stalled. Before its final event, that cuts the client's answer (the error event);
     * after it, the client's answer is whole: it ends as complete, and the backend's bad ending is only logged.
     */
    private void backendStopped(Throwable failure, String message) {
        if (ending) {
            return;
        }
        if (errorEventCut() || !finalEventSent && !finalEventHeld
                && (finalLine == null || !finalLine.endedOnFinalLine())) {
            failMidStream(failure, message);
            return;
        }
        LOGGER.debugf("request_id=%s backend=%s stream stopped after its final event: %s", exchange.requestId(),
                answer.backend().name(), failure.getMessage());
        stoppedAfterFinalEvent = true;
        if (!finalEventHeld) {
            complete(null, true);
        }
    }

    /**
     * True when the backend's stream stopped inside its own error event (its {@code event: error} line came, not the
     * rest): the client would get no error from it, so it gets the proxy's.
     */
    private boolean errorEventCut() {
        return backendEndedOnError() && wholeEvents.holding();
    }

    /** True when the backend ended its untranslated stream with its own error event's line. */
    private boolean backendEndedOnError() {
        return wholeEvents != null && finalLine.endedOnError();
    }

    private void failMidStream(Throwable failure, String message) {
        if (ending) {
            return;
        }
        if (exchange.clientGone()) {
            clientGone();
            return;
        }
        ending = true;
        stopWatchdog();
        LOGGER.warnf("request_id=%s backend=%s stream broke after the first byte: %s", exchange.requestId(),
                answer.backend().name(), failure.getMessage());
        HttpServerResponse to = exchange.response();
        ProxyError error = ProxyError.of(ErrorCode.BACKEND_STREAM_ERROR, message).with("model", exchange.model().name());
        end(error.status(), error.code(), Origin.ROUTER, true, () -> {
            if (translator != null) {
                // the error event in the client's form
                translator.fail(message);
                to.end();
            } else if (eventStream) {
                // after the last whole event: the part of one the backend never ended is not sent
                wholeEvents.drop();
                to.end(Buffer.buffer("event: error\ndata: ")
                        .appendBuffer(ErrorEnvelope.render(error, exchange.requestId(), exchange.anthropic()))
                        .appendString("\n\n"));
            } else {
                // a body with a length cannot carry an error: cutting the connection tells the client it is incomplete
                to.reset();
            }
        });
    }

    private void stopWatchdog() {
        if (idle != null) {
            idle.cancel();
        }
    }

    private void end(int status, String code, Origin origin, boolean answered, Runnable lastWrite) {
        answer.relayEnded();
        long upstreamNanos = failedAttemptsNanos + (System.nanoTime() - answer.startNanos());
        finish.finish(exchange, new Outcome(status, code, origin, answer.model(), answer.backend().name(), attempts,
                upstreamNanos, answered, eventStream), lastWrite);
    }
}
