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

    /** The client's request headers; the forwarder drops hop-by-hop headers and the client's credentials. */
    MultiMap clientHeaders();

    /** Path and query to append to the backend's base URL for this model. */
    String uri(ModelRoute model);

    /** The body for this model's backends. */
    Buffer body(ModelRoute model);

    /** True when the answer is read on its way through (usage settlement): it must not come compressed. */
    boolean identityEncoding();
}
