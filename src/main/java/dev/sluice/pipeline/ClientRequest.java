package dev.sluice.pipeline;

import dev.sluice.routing.ModelRoute;
import dev.sluice.upstream.OutgoingRequest;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/**
 * The client's request as sent upstream unchanged (the identity adapter): the client's path and query, the body
 * byte for byte with only the {@code model} value's bytes replaced when the backend knows the model by another name.
 */
final class ClientRequest implements OutgoingRequest {

    private final Exchange exchange;

    ClientRequest(Exchange exchange) {
        this.exchange = exchange;
    }

    @Override
    public String requestId() {
        return exchange.requestId();
    }

    @Override
    public MultiMap clientHeaders() {
        return exchange.request().headers();
    }

    @Override
    public String uri(ModelRoute model) {
        return exchange.request().uri();
    }

    @Override
    public Buffer body(ModelRoute model) {
        return exchange.body().forUpstream(model.upstreamModel());
    }

    @Override
    public boolean identityEncoding() {
        return exchange.ticket().usage() != null;
    }
}
