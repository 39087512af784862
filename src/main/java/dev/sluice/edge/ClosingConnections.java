package dev.sluice.edge;

import io.netty.util.AttributeKey;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Client connections whose answer said {@code connection: close}: a request the client pipelined behind that answer
 * is not served (README, "Hostile and malformed HTTP"; contract §12).
 *
 * <p>Why a mark: Vert.x decides whether a connection is kept alive from the request only. After an answer that closes
 * the connection (a 413, a refusal before a {@code 100 Continue}), it hands the next request already read from the
 * socket to the router as soon as the answer ends, before the close: that request was admitted, counted against the
 * quota and sometimes forwarded, and its answer then had no connection to go to. The mark lives on the connection's
 * channel, so that it goes with it.
 */
public final class ClosingConnections {

    private static final AttributeKey<Boolean> CLOSING = AttributeKey.valueOf("sluice.closing");

    private ClosingConnections() {
    }

    /** Call before writing the answer that closes the connection: whatever the client sends after it is not served. */
    public static void mark(HttpConnection connection) {
        if (connection instanceof ConnectionBase base) {
            base.channel().attr(CLOSING).set(Boolean.TRUE);
        }
    }

    /** True when an earlier answer on this connection said it closes. */
    public static boolean marked(HttpConnection connection) {
        return connection instanceof ConnectionBase base && base.channel().hasAttr(CLOSING);
    }
}
