package dev.sluice.testing;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;

/**
 * Requests through a Vert.x client that see every byte of the answer. A response's chunks and end are events: a
 * handler set after they were emitted misses them. A listener added from a test thread to a future that has already
 * completed runs in a later task of the connection's context, after events already queued there; so the response is
 * handed over, and its handlers set, in the listener of {@code send}'s own future, which runs on that context as the
 * response's head arrives. (Composing further from the test thread lost a fast answer's first chunk, or its end.)
 */
public final class ClientCalls {

    /** A whole answer: the response (its status and headers) and its body. */
    public record Answered(HttpClientResponse response, Buffer body) {
        public int status() {
            return response.statusCode();
        }
    }

    private ClientCalls() {
    }

    /**
     * Sends {@code body} and calls {@code onHead} with the response as soon as its head is in, before any chunk: set
     * the handlers there.
     */
    public static Future<HttpClientResponse> send(HttpClient client, RequestOptions options, String body,
            Handler<HttpClientResponse> onHead) {
        return client.request(options).compose(request -> request.send(body).onSuccess(onHead));
    }

    /** Sends {@code body} and reads the whole answer. */
    public static Future<Answered> read(HttpClient client, RequestOptions options, String body) {
        return client.request(options).compose(request -> request.send(body)
                .compose(response -> response.body().map(read -> new Answered(response, read))));
    }
}
