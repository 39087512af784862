package dev.sluice.upstream;

import dev.sluice.routing.ModelRoute;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/**
 * What the forwarder sends for one client request, asked per model because a fallback may know the model by another
 * name or speak another protocol. This is the request-side seam of the path: the identity adapter changes only the
 * {@code model} bytes; a protocol translator rewrites the body and the path.
 *
 * <p>Called on the event loop of the client's connection.
 */
public interface OutgoingRequest {

    /** The request id, sent upstream as {@code x-request-id}. */
    String requestId();

    /**
     * The model the client asked for, as the error envelope names it (contract §3.1): {@code auto} when the proxy
     * chose the model. Null when not known (the requested model's name is used then).
     */
    default String clientModel() {
        return null;
    }

    /** The client's request headers; the forwarder drops hop-by-hop headers and the client's credentials. */
    MultiMap clientHeaders();

    /** Path and query to append to the backend's base URL for this model. */
    String uri(ModelRoute model);

    /** The body for this model's backends. */
    Buffer body(ModelRoute model);

    /** True when the answer is read on its way through (usage settlement): it must not come compressed. */
    boolean identityEncoding();

    /** Fits the headers about to go to this model's backends (a translation drops and adds some). */
    void adjustHeaders(ModelRoute model, MultiMap upstreamHeaders);

    /**
     * Whether a 2xx answer of this model that is not an event stream must be read whole and passed through
     * {@link #answer} before anything reaches the client (a translated JSON answer).
     */
    boolean readsWholeAnswer(ModelRoute model);

    /**
     * The client's answer made of a backend's complete 2xx answer.
     *
     * @throws InvalidAnswer when the backend's answer cannot be read as its protocol says
     */
    Buffer answer(ModelRoute model, Buffer backendAnswer);

    /** A 2xx answer that cannot be read as its protocol says: {@code invalid_provider_response}, retried like a 502. */
    final class InvalidAnswer extends RuntimeException {
        public InvalidAnswer(String message) {
            super(message, null, false, false);
        }
    }
}
