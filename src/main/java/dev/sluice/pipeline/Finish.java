package dev.sluice.pipeline;

import dev.sluice.edge.ClosingConnections;
import dev.sluice.error.ErrorEnvelope;
import dev.sluice.error.Origin;
import dev.sluice.error.ProxyError;
import dev.sluice.limits.Admission;
import dev.sluice.metrics.ProxyMetrics;
import dev.sluice.routing.ModelRoute;
import dev.sluice.upstream.UpstreamResult;
import dev.sluice.wire.BodyReader;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * The one place where a request ends, whatever ended it (an answer, an error, the client going away, a shutdown
 * cut): the account's slot is released and its tokens and credits settled, then the last bytes are written, then
 * the request is counted in the metrics and written to the access log. Runs once per request.
 *
 * <p>The release comes before the last bytes (contract §4.2: a request holds its slot "until its last byte"): a
 * client that sends its next request as soon as it has read an answer finds its slot free. With the Redis store the
 * last bytes wait until the release is sent, not for Redis' answer: sent first, it reaches Redis before anything the
 * client sends after reading those bytes, and the round trip stays off the request's latency.
 */
@Singleton
final class Finish {

    private static final Logger LOGGER = Logger.getLogger(Finish.class);
    private static final Future<Void> NOTHING_HELD = Future.succeededFuture();

    private final Admission admission;
    private final ProxyMetrics metrics;
    private final AccessLog accessLog;
    private final InFlight inFlight;
    /** The most of an unread body read through (and dropped) after its answer; past it the connection closes. */
    private final long drainLimit;

    Finish(Admission admission, ProxyMetrics metrics, AccessLog accessLog, InFlight inFlight,
            dev.sluice.config.SluiceConfig config) {
        this.admission = admission;
        this.metrics = metrics;
        this.accessLog = accessLog;
        this.inFlight = inFlight;
        this.drainLimit = config.maxBodySize().asLongValue();
    }

    /**
     * Releases the request's slot and settles its reservations now, ahead of {@link #finish} (which then has
     * nothing left to release): for a stream whose final event is about to go out. Completes on the exchange's
     * event loop once the release is sent ({@link Admission#sendRelease}).
     */
    Future<Void> release(Exchange exchange, boolean answered, ModelRoute served) {
        return release(exchange, answered, served, false);
    }

    /** The same, {@code uncounted}: the request is also taken back out of its quota window (it reached no backend). */
    private Future<Void> release(Exchange exchange, boolean answered, ModelRoute served, boolean uncounted) {
        Admission.Ticket ticket = exchange.ticket();
        if (ticket == null || ticket.lease() == null) {
            return NOTHING_HELD;
        }
        Future<Void> sent = admission.sendRelease(ticket, answered, served == null ? null : served.price(), uncounted);
        return sent.isComplete() ? sent : onContext(exchange, sent);
    }

    /** Ends the exchange with {@code outcome}; {@code lastWrite} writes the last bytes (skipped if the client left). */
    void finish(Exchange exchange, Outcome outcome, Runnable lastWrite) {
        if (!exchange.markFinished()) {
            return;
        }
        Future<Void> released = release(exchange, outcome.answered(), outcome.served(), outcome.reachedNoBackend());
        if (released.isComplete()) {
            complete(exchange, outcome, lastWrite);
        } else {
            released.onComplete(done -> complete(exchange, outcome, lastWrite));
        }
    }

    /** Answers {@code error} as the envelope (or only records it, when the client already left). */
    void fail(Exchange exchange, ProxyError error, UpstreamResult.Failed upstream) {
        List<dev.sluice.upstream.Attempt> attempts = upstream == null ? List.of() : upstream.attempts();
        long upstreamNanos = upstream == null ? 0 : upstream.failedAttemptsNanos();
        if (hedged(exchange, error)) {
            exchange.response().headers().set(Relay.ATTEMPTS_HEADER,
                    Integer.toString(upstream == null ? 0 : upstream.started()));
        }
        if (exchange.clientGone()) {
            clientGone(exchange, attempts, upstreamNanos);
            return;
        }
        if (upstream != null && upstream.answeredBy() != null && exchange.outgoing() != null) {
            // a fallback of the client's own protocol may have answered a translated model's request: its error is
            // not a translated one
            dev.sluice.translate.Translation translation = exchange.outgoing().translation(upstream.answeredBy());
            if (translation == null) {
                exchange.response().headers().remove(dev.sluice.translate.Translation.HEADER);
            } else {
                exchange.response().headers().set(dev.sluice.translate.Translation.HEADER, translation.headerValue());
            }
        }
        // a backend's own 4xx names the backend that answered it, as a success does
        Outcome outcome = new Outcome(error.status(), error.code(), error.origin(), null,
                upstream == null ? null : upstream.answeringBackend(), attempts, upstreamNanos, false, false);
        finish(exchange, outcome, () -> writeError(exchange, error));
    }

    /**
     * Whether the request's model hedges (contract §6.6: its every answer says how many attempts started): the model
     * found, or for a check that answers before the model is looked up (the body's schema and tools), the one the
     * body names.
     */
    private static boolean hedged(Exchange exchange, ProxyError error) {
        ModelRoute model = exchange.model();
        if (model == null) {
            // not chosen yet: the model the body names (or named, when the body was refused for another field)
            String named = exchange.body() != null ? exchange.body().model() : error.requestedModel();
            if (named != null && exchange.key() != null && exchange.key().allowsModel(named)) {
                model = exchange.generation().catalog().model(named);
            }
        }
        return model != null && model.hedge() != null;
    }

    /** Answers 200 with a JSON body of the proxy's own. */
    void answer(Exchange exchange, Buffer json) {
        Outcome outcome = new Outcome(200, "ok", Origin.PROVIDER, null, null, List.of(), 0, false, false);
        finish(exchange, outcome, () -> exchange.response().putHeader("content-type", "application/json").end(json));
    }

    /** Answers 204 with these headers and no body. */
    void noContent(Exchange exchange, Map<String, String> headers) {
        Outcome outcome = new Outcome(204, "ok", Origin.PROVIDER, null, null, List.of(), 0, false, false);
        finish(exchange, outcome, () -> {
            headers.forEach(exchange.response().headers()::set);
            exchange.response().setStatusCode(204).end();
        });
    }

    /** The client went away before anything was relayed to it: nothing to write. */
    void clientGone(Exchange exchange, List<dev.sluice.upstream.Attempt> attempts, long upstreamNanos) {
        ProxyError closed = Answers.clientClosed();
        finish(exchange, new Outcome(closed.status(), closed.code(), closed.origin(), null, null, attempts,
                upstreamNanos, false, false), null);
    }

    private void complete(Exchange exchange, Outcome outcome, Runnable lastWrite) {
        if (lastWrite != null && !exchange.clientGone()) {
            try {
                lastWrite.run();
                drainRest(exchange);
            } catch (RuntimeException connectionGone) {
                // the connection closed under the write: the client left, nothing else to do
                LOGGER.debugf("request_id=%s last write failed: %s", exchange.requestId(), connectionGone.getMessage());
            }
        }
        inFlight.remove(exchange);
        String account = exchange.account() == null ? null : exchange.account().account();
        ModelRoute model = exchange.model();
        metrics.requestEnded(account, model == null ? null : model.name(), outcome.status(), outcome.code(),
                outcome.origin().wire(), System.nanoTime() - exchange.startNanos(), outcome.upstreamNanos(),
                outcome.streaming());
        accessLog.log(exchange, outcome);
    }

    /**
     * Reads and drops the rest of a body answered before it was read (a GET with a body, a refusal before the body
     * was needed), so that the connection can serve the client's next request. Past {@code max-body-size}, more than
     * any request served here, the connection closes instead: a client that keeps sending would keep a core busy
     * reading it, for as long as it liked.
     */
    private void drainRest(Exchange exchange) {
        HttpServerRequest request = exchange.request();
        if (request.isEnded() || exchange.response().headers().contains("connection", "close", true)) {
            return;
        }
        long[] left = {drainLimit};
        request.handler(chunk -> {
            left[0] -= chunk.length();
            if (left[0] < 0) {
                request.handler(null);
                request.connection().close();
            }
        });
        request.resume();
    }

    private static void writeError(Exchange exchange, ProxyError error) {
        boolean bodyHeldBack = false;
        // an answer that says so (413: a body too large to read through) ends the connection, the rest unread
        boolean closing = "close".equalsIgnoreCase(error.headers().get("connection"));
        if (!exchange.request().isEnded()) {
            if (BodyReader.expectsContinue(exchange.request())) {
                // answered before the body was asked for: the client may never send it, so the connection cannot
                // tell where the next request starts; it closes after this answer
                bodyHeldBack = true;
            }
            // otherwise answered before the body was read: the rest drains (drainRest) once the answer is written
        }
        HttpServerResponse response = exchange.response();
        if (response.ended() || response.headWritten()) {
            return;
        }
        response.setStatusCode(error.status());
        response.headers().set("content-type", "application/json");
        error.headers().forEach(response.headers()::set);
        if (bodyHeldBack) {
            response.headers().set("connection", "close");
        }
        if (closing || bodyHeldBack) {
            // Vert.x serves a request pipelined behind this answer as soon as it ends, before the close
            ClosingConnections.mark(exchange.request().connection());
        }
        Future<Void> written = response.end(ErrorEnvelope.render(error, exchange.requestId(), exchange.anthropic()));
        if ((closing || bodyHeldBack) && !exchange.request().isEnded()) {
            // as the answer says: a client that sends the body (and more) anyway is not read further
            written.onComplete(done -> exchange.request().connection().close());
        }
    }

    /** A future completing in the exchange's own context (a batch is sent in its event loop's base context). */
    private static <T> Future<T> onContext(Exchange exchange, Future<T> future) {
        io.vertx.core.Promise<T> promise = io.vertx.core.Promise.promise();
        future.onComplete(result -> {
            if (Vertx.currentContext() == exchange.context()) {
                promise.handle(result);
            } else {
                exchange.context().runOnContext(ignored -> promise.handle(result));
            }
        });
        return promise.future();
    }
}
