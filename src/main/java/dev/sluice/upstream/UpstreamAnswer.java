package dev.sluice.upstream;

import dev.sluice.routing.Backend;
import dev.sluice.routing.ModelRoute;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;

/**
 * A backend's successful answer, as far as the forwarder waits for it before deciding: the status line, the headers
 * and the first body chunk (the response is paused right after it). Whoever relays it calls {@link #ended()} once
 * the relay is over, whichever way, so that the backend's in-flight count and the attempt's duration are recorded.
 *
 * @param model the model that answered (the requested one or a fallback)
 * @param firstChunk the first body chunk (an answer without a body byte fails its attempt instead)
 * @param ended true when the whole body was the first chunk
 * @param watchdog the call's idle watchdog, still running: the relay retargets it to its own gaps
 */
public record UpstreamAnswer(ModelRoute model, Backend backend, HttpClientRequest request, HttpClientResponse response,
        Buffer firstChunk, boolean ended, long startNanos, IdleWatchdog watchdog, Runnable onEnded) {

    /** The relay of this answer is over: releases the backend and records the attempt. Call once. */
    public void relayEnded() {
        onEnded.run();
    }

    /** Stops the backend: it is told at once (stream reset) so that it stops generating. */
    public void cancel() {
        request.reset();
    }
}
