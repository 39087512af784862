package dev.sluice.upstream;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;

/**
 * A backend's answer as far as the proxy waits for it before deciding: either a success whose first chunk has
 * arrived (the response is paused right after it), or a client error whose (bounded) body was read.
 *
 * @param firstChunk the first body chunk, null when the body was empty
 * @param ended true when the whole body was the first chunk (or empty)
 * @param errorBody the body of a 4xx answer, null for a success
 */
public record UpstreamResponse(HttpClientRequest request, HttpClientResponse response, Buffer firstChunk, boolean ended,
        Buffer errorBody) {

    public boolean providerError() {
        return errorBody != null;
    }
}
