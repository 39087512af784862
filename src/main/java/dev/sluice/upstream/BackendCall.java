package dev.sluice.upstream;

import dev.sluice.routing.Backend;
import dev.sluice.routing.ModelRoute;
import dev.sluice.routing.Protocol;
import dev.sluice.wire.ContentCodings;
import dev.sluice.wire.Headers;
import dev.sluice.wire.RequestIds;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * One attempt at one backend: sends the request and completes once the proxy can decide what to do with the answer.
 * A success completes after its first body chunk (so that a backend failing before it can still be retried); a
 * failure status, a timeout or a connection failure fails with an {@link UpstreamFailure}; a backend's own 4xx
 * completes with its (bounded) body.
 *
 * <p>Runs on the event loop of the client's connection and never blocks.
 */
final class BackendCall {

    private static final org.jboss.logging.Logger LOGGER = org.jboss.logging.Logger.getLogger(BackendCall.class);

    /** Error bodies are read up to this size to build the envelope; the rest is dropped. */
    static final int MAX_ERROR_BODY = 64 * 1024;
    /** A translated JSON answer is read whole before it is translated; longer ones are not answers of a chat model. */
    static final int MAX_TRANSLATED_ANSWER = 16 * 1024 * 1024;

    /**
     * What the backend answered before any byte went to the client.
     *
     * @param firstChunk the first body chunk of a success (a success without one fails: {@link #emptyAnswer})
     * @param ended true when the whole body has been read
     * @param errorBody the body of a 4xx answer, null for a success
     */
    record Response(HttpClientRequest request, HttpClientResponse response, Buffer firstChunk, boolean ended,
            Buffer errorBody, IdleWatchdog watchdog) {

        boolean providerError() {
            return errorBody != null;
        }
    }

    private BackendCall() {
    }

    /**
     * @param clients where the request gets its connection, once its turn to connect comes
     * @param flight the route's call: told of the upstream request once it exists (so that the route can reset it)
     *     and of the response headers, and asked whether the route gave the call up (checked when the connection is
     *     obtained)
     */
    static Future<Response> start(Vertx vertx, UpstreamClients clients, boolean tracing, OutgoingRequest outgoing,
            Route.Flight flight) {
        ModelRoute model = flight.model();
        Backend backend = flight.backend();
        long started = System.nanoTime();
        // built before connecting: a model that cannot take the request fails here, with nothing sent
        Buffer body = outgoing.body(model);
        Promise<Response> promise = Promise.promise();
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setHost(backend.host())
                .setPort(backend.port())
                .setSsl(backend.ssl())
                .setURI(backend.basePath() + outgoing.uri(model))
                .setConnectTimeout(model.upstream().connectTimeout().toMillis());
        clients.request(backend, options, flight).onComplete(connected -> {
            if (connected.failed()) {
                promise.fail(UpstreamFailure.unconnected(connected.cause()));
                return;
            }
            HttpClientRequest request = connected.result();
            // failures reach the response future; this keeps Vert.x from logging a reset (ours, when the client
            // left) as an error
            request.exceptionHandler(failure -> LOGGER.debugf("request_id=%s upstream request failed: %s",
                    outgoing.requestId(), failure.getMessage()));
            if (flight.cancelled()) {
                request.reset();
                promise.fail(UpstreamFailure.cancelled());
                return;
            }
            flight.sent(request);
            try {
                prepare(request, outgoing, model, backend, tracing);
            } catch (RuntimeException refused) {
                // a header the upstream request refuses: fail the attempt (an unexpected failure, answered 500 and
                // logged) rather than leave the exchange, and the account's slot, waiting for ever
                request.reset();
                promise.fail(refused);
                return;
            }
            // no response headers in time: first-byte timeout. The same watchdog then bounds the wait for the first
            // chunk and, handed over with the answer, the relay's gaps: one timer for the whole call
            IdleWatchdog watchdog = IdleWatchdog.start(vertx, model.upstream().firstByteTimeout().toMillis(),
                    () -> timeout(request, promise,
                    UpstreamFailure.timeout("no response headers within the first-byte timeout")));
            request.send(body).onComplete(answered -> {
                if (answered.failed()) {
                    watchdog.cancel();
                    promise.tryFail(classify(answered.cause()));
                    return;
                }
                HttpClientResponse response = answered.result();
                clients.holdKeepAlive(response);
                flight.headers(response, System.nanoTime() - started);
                watchdog.retarget(model.upstream().idleTimeout().toMillis(), () -> timeout(request, promise,
                        UpstreamFailure.timeout(response.statusCode(), "no first chunk within the idle timeout")));
                // whichever way the response ends (read whole, relayed, reset, broken), the watchdog ends with it
                response.end().onComplete(over -> watchdog.cancel());
                onResponse(request, response, promise, outgoing, model, backend, watchdog);
            });
        });
        // a reset because the caller gave up is the proxy's own doing, not a failure of the backend
        return promise.future().recover(failure -> Future.failedFuture(
                flight.cancelled() ? UpstreamFailure.cancelled() : failure));
    }

    private static void timeout(HttpClientRequest request, Promise<Response> promise, UpstreamFailure timeout) {
        if (promise.tryFail(timeout)) {
            request.reset();
        }
    }

    private static void prepare(HttpClientRequest request, OutgoingRequest outgoing, ModelRoute model, Backend backend,
            boolean tracing) {
        Headers.copyToUpstream(outgoing.clientHeaders(), request.headers(), tracing);
        request.headers().set("content-type", "application/json");
        request.headers().set(RequestIds.HEADER, outgoing.requestId());
        if (outgoing.identityEncoding()) {
            // usage is read from the answer on its way through: it must not come compressed (and a request without
            // accept-encoding would accept any coding, RFC 9110 §12.5.3)
            request.headers().set("accept-encoding", "identity");
        } else if (request.headers().contains("accept-encoding")) {
            // only codings the proxy can decode: an error answer is read to build the envelope
            List<String> values = request.headers().getAll("accept-encoding");
            String readable = ContentCodings.readable(values.size() == 1 ? values.get(0) : String.join(", ", values));
            if (readable == null) {
                request.headers().remove("accept-encoding");
            } else {
                request.headers().set("accept-encoding", readable);
            }
        }
        outgoing.adjustHeaders(model, request.headers());
        if (backend.apiKey() != null) {
            if (backend.protocol() == Protocol.ANTHROPIC) {
                request.headers().set("x-api-key", backend.apiKey());
            } else {
                request.headers().set("authorization", "Bearer " + backend.apiKey());
            }
        }
    }

    private static void onResponse(HttpClientRequest request, HttpClientResponse response, Promise<Response> promise,
            OutgoingRequest outgoing, ModelRoute model, Backend backend, IdleWatchdog watchdog) {
        int status = response.statusCode();
        if (status < 200) {
            // an interim answer (102 Processing…) that Vert.x took for the final one (it waits through 100 and 103
            // only): the backend's real answer is still to come on this connection, which must then serve no other
            // request. The attempt fails as an unreadable answer.
            promise.tryFail(UpstreamFailure.invalidAnswer(status,
                    "The backend answered " + status + ", an interim status the proxy does not wait through."));
            request.connection().close();
            return;
        }
        if (status >= 300 && status < 400) {
            // a redirect (an http backend URL that moved to https, a gateway's trailing slash) is not followed: its
            // Location is the backend's network, not the client's. A failure like any other status (not retried)
            readErrorBody(response).onComplete(body -> promise.tryFail(UpstreamFailure.http(status, 0,
                    body.succeeded() ? body.result() : null)));
            if (status == 304) {
                closeAfterAnswer(request, response);
            }
            return;
        }
        if (status == 204) {
            // no body may follow a 204: a backend that sends one anyway would have it read as the next answer
            closeAfterAnswer(request, response);
        }
        if (status >= 500 || status == 408 || status == 429) {
            long retryAfter = retryAfterSeconds(response.getHeader("retry-after"));
            readErrorBody(response).onComplete(body -> promise.tryFail(UpstreamFailure.http(
                    overloaded(backend, body.result()) ? 529 : status, retryAfter, body.succeeded() ? body.result() : null)));
            return;
        }
        if (status >= 400) {
            readErrorBody(response).onComplete(body -> {
                if (body.failed()) {
                    promise.tryFail(brokeOff(response, body.cause()));
                } else if (overloaded(backend, body.result())) {
                    // Anthropic's overloaded_error counts as a 529 whatever its status (contract §9)
                    promise.tryFail(UpstreamFailure.http(529, retryAfterSeconds(response.getHeader("retry-after")),
                            body.result()));
                } else {
                    promise.tryComplete(new Response(request, response, null, true, body.result(), watchdog));
                }
            });
            return;
        }
        if (outgoing.readsWholeAnswer(model) && !isEventStream(response)) {
            // a translated JSON answer: read whole (bounded) and translated before anything reaches the client, so
            // that an unreadable one is still retried
            readBounded(response, MAX_TRANSLATED_ANSWER).onComplete(body -> {
                if (body.failed()) {
                    // the backend answered and its body broke off: an answer that cannot be read (contract §9), not
                    // one that never came (a timeout or the client's going away has already settled the promise)
                    promise.tryFail(UpstreamFailure.invalidAnswer(response.statusCode(),
                            "The backend's answer broke off before its end ("
                            + body.cause().getMessage() + ")."));
                    return;
                }
                if (overloadedAnswer(backend, body.result())) {
                    promise.tryFail(UpstreamFailure.http(529, retryAfterSeconds(response.getHeader("retry-after")),
                            body.result()));
                    return;
                }
                try {
                    promise.tryComplete(new Response(request, response, outgoing.answer(model, body.result()), true, null, watchdog));
                } catch (OutgoingRequest.InvalidAnswer unreadable) {
                    promise.tryFail(UpstreamFailure.invalidAnswer(response.statusCode(), unreadable.getMessage()));
                }
            });
            return;
        }
        if (backend.protocol() == Protocol.ANTHROPIC) {
            if (isEventStream(response)) {
                firstEventThen(request, response, promise, backend, watchdog);
            } else {
                firstObjectThen(request, response, promise, backend, watchdog);
            }
            return;
        }
        response.handler(chunk -> {
            response.pause();
            response.handler(null);
            // with a first chunk the answer is not empty: the relay takes the end over, or an answer whose first
            // chunk was the whole of it ends before the relay listens (and must not build a failure for nothing)
            response.endHandler(null);
            promise.tryComplete(new Response(request, response, chunk, false, null, watchdog));
        });
        response.endHandler(end -> promise.tryFail(emptyAnswer(response)));
        response.exceptionHandler(failure -> promise.tryFail(brokeOff(response, failure)));
    }

    /**
     * The first bytes of an Anthropic answer that is not a stream, held until the answer ends while they are (or may
     * still become) Anthropic's error object, however the network cut them: a 200 may carry an overload, which then
     * counts as a 529 ({@link #overloadedAnswer}). Any other answer goes on at the chunk that shows it is not one.
     */
    private static void firstObjectThen(HttpClientRequest request, HttpClientResponse response,
            Promise<Response> promise, Backend backend, IdleWatchdog watchdog) {
        Buffer[] held = {null};
        response.handler(chunk -> {
            Buffer first = held[0] == null ? chunk : held[0].appendBuffer(chunk);
            if (mayBeErrorObject(first) && first.length() < StreamOpening.MAX) {
                held[0] = held[0] == null ? Buffer.buffer().appendBuffer(chunk) : first;
                return;
            }
            response.pause();
            response.handler(null);
            response.endHandler(null);
            if (!failedAsOverloaded(request, response, promise, backend, first)) {
                promise.tryComplete(new Response(request, response, first, false, null, watchdog));
            }
        });
        response.endHandler(end -> {
            Buffer first = held[0];
            if (first == null || first.length() == 0) {
                promise.tryFail(emptyAnswer(response));
            } else if (!failedAsOverloaded(request, response, promise, backend, first)) {
                promise.tryComplete(new Response(request, response, first, true, null, watchdog));
            }
        });
        response.exceptionHandler(failure -> promise.tryFail(brokeOff(response, failure)));
    }

    /** Fails the attempt as the 529 it is when {@code body} is an overload: nothing has reached the client yet. */
    private static boolean failedAsOverloaded(HttpClientRequest request, HttpClientResponse response,
            Promise<Response> promise, Backend backend, Buffer body) {
        if (!overloadedAnswer(backend, body)) {
            return false;
        }
        if (promise.tryFail(UpstreamFailure.http(529, retryAfterSeconds(response.getHeader("retry-after")), body))) {
            request.reset();
        }
        return true;
    }

    /** Closes the backend's connection once this answer is over, so that bytes after it are read as no answer. */
    private static void closeAfterAnswer(HttpClientRequest request, HttpClientResponse response) {
        response.end().onComplete(over -> request.connection().close());
    }

    /**
     * A success with no body byte: no model endpoint answers so (a stream that ends before its first event, a JSON
     * answer of no bytes), and nothing has reached the client yet, so it is retried like an unreadable answer rather
     * than committed as an empty 200 (which, in a hedge, would also have won over an attempt still on its way).
     */
    private static UpstreamFailure emptyAnswer(HttpClientResponse response) {
        return UpstreamFailure.invalidAnswer(response.statusCode(),
                "The backend answered " + response.statusCode() + " with an empty body.");
    }

    /**
     * The first chunk of an Anthropic stream, held until its first event is whole when that event is an error (an
     * overload then counts as a 529: {@link #overloadedOpening}).
     */
    private static void firstEventThen(HttpClientRequest request, HttpClientResponse response,
            Promise<Response> promise, Backend backend, IdleWatchdog watchdog) {
        Buffer[] opening = {null};
        response.handler(chunk -> {
            Buffer first = opening[0] == null ? chunk : opening[0].appendBuffer(chunk);
            if (StreamOpening.mayOpenWithError(first)) {
                if (!StreamOpening.firstEventComplete(first) && first.length() < StreamOpening.MAX) {
                    // an error event on its way: held until it is whole
                    opening[0] = opening[0] == null ? Buffer.buffer().appendBuffer(chunk) : first;
                    return;
                }
                if (overloadedOpening(request, response, promise, first, backend)) {
                    return;
                }
            }
            response.pause();
            response.handler(null);
            promise.tryComplete(new Response(request, response, first, false, null, watchdog));
        });
        response.endHandler(end -> {
            Buffer first = opening[0];
            if (first == null) {
                promise.tryFail(emptyAnswer(response));
                return;
            }
            if (overloadedOpening(request, response, promise, first, backend)) {
                return;
            }
            promise.tryComplete(new Response(request, response, first, true, null, watchdog));
        });
        response.exceptionHandler(failure -> promise.tryFail(brokeOff(response, failure)));
    }

    /**
     * Fails the attempt as a 529 when an Anthropic stream's first event is an {@code overloaded_error} (contract §9:
     * it counts as a 529 whatever its status), stopping the stream; false for any other first event.
     */
    private static boolean overloadedOpening(HttpClientRequest request, HttpClientResponse response,
            Promise<Response> promise, Buffer first, Backend backend) {
        Buffer error = StreamOpening.firstEventData(first);
        if (!overloaded(backend, error)) {
            return false;
        }
        if (promise.tryFail(UpstreamFailure.http(529, retryAfterSeconds(response.getHeader("retry-after")), error))) {
            request.reset();
        }
        return true;
    }

    static boolean isEventStream(HttpClientResponse response) {
        String contentType = response.getHeader("content-type");
        return contentType != null && contentType.toLowerCase(java.util.Locale.ROOT).contains("text/event-stream");
    }

    private static final byte[] ERROR_OBJECT = "{\"type\":\"error\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** True when {@code bytes}, after leading white space, begin Anthropic's error object or may still become it. */
    private static boolean mayBeErrorObject(Buffer bytes) {
        int at = 0;
        while (at < bytes.length() && Character.isWhitespace(bytes.getByte(at))) {
            at++;
        }
        int common = Math.min(ERROR_OBJECT.length, bytes.length() - at);
        for (int i = 0; i < common; i++) {
            if (bytes.getByte(at + i) != ERROR_OBJECT[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * A successful status whose JSON body is Anthropic's error object for an overload (contract §9: it counts as a
     * 529 whatever its status). Only a body that starts as an error object is looked into: an answer is never one.
     */
    private static boolean overloadedAnswer(Backend backend, Buffer body) {
        // a body too short to hold the whole error object cannot name the overload either
        return backend.protocol() == Protocol.ANTHROPIC && body != null && mayBeErrorObject(body)
                && overloaded(backend, body);
    }

    /** An Anthropic backend's {@code overloaded_error} (sent with 529, and sometimes with other statuses). */
    private static boolean overloaded(Backend backend, Buffer body) {
        if (backend.protocol() != Protocol.ANTHROPIC || body == null || body.length() == 0) {
            return false;
        }
        return body.toString(java.nio.charset.StandardCharsets.UTF_8).contains("\"overloaded_error\"");
    }

    /** An error answer's body, decoded when it came gzip or deflate coded, up to {@link #MAX_ERROR_BODY} bytes. */
    private static Future<Buffer> readErrorBody(HttpClientResponse response) {
        String coding = response.getHeader("content-encoding");
        return readBounded(response, MAX_ERROR_BODY)
                .map(body -> ContentCodings.decoded(coding, body, MAX_ERROR_BODY));
    }

    /**
     * Reads a body up to {@code max} bytes, draining and dropping the rest (an error body is cut to what the envelope
     * needs; a translated answer that long fails as unreadable).
     */
    private static Future<Buffer> readBounded(HttpClientResponse response, int max) {
        Promise<Buffer> promise = Promise.promise();
        Buffer body = Buffer.buffer();
        response.handler(chunk -> {
            int room = max - body.length();
            if (room > 0) {
                body.appendBuffer(chunk, 0, Math.min(room, chunk.length()));
            }
        });
        response.endHandler(end -> promise.tryComplete(body));
        response.exceptionHandler(promise::tryFail);
        return promise.future();
    }

    /**
     * A failure after the backend's status line (its connection reset or closed before the first chunk, or before the
     * end of an error body): the backend answered, so it is an answer that cannot be read, under its status, retried
     * as one (contract §9), not a connection failure (which says the request may never have reached it).
     */
    private static UpstreamFailure brokeOff(HttpClientResponse response, Throwable failure) {
        if (failure instanceof UpstreamFailure upstreamFailure) {
            return upstreamFailure;
        }
        return UpstreamFailure.invalidAnswer(response.statusCode(),
                "The backend's answer broke off before it could be read (" + failure.getMessage() + ").");
    }

    /** A timeout before the answer is {@code backend_timeout}; any other failure before it is a connection failure. */
    static UpstreamFailure classify(Throwable failure) {
        if (failure instanceof UpstreamFailure upstreamFailure) {
            return upstreamFailure;
        }
        if (failure instanceof TimeoutException) {
            return UpstreamFailure.timeout(failure.getMessage());
        }
        return UpstreamFailure.connect(failure);
    }

    /** Retry-After in seconds (delta-seconds or an HTTP date); 0 when absent or unreadable. */
    static long retryAfterSeconds(String value) {
        if (value == null || value.isBlank()) {
            return 0;
        }
        try {
            return Math.max(0, (long) Math.ceil(Double.parseDouble(value.trim())));
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
                return Math.max(0, (at.toInstant().toEpochMilli() - System.currentTimeMillis() + 999) / 1000);
            } catch (RuntimeException notDate) {
                return 0;
            }
        }
    }
}
