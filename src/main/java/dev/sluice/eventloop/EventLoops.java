package dev.sluice.eventloop;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;

/** Which event loop the caller runs on. */
public final class EventLoops {

    private EventLoops() {
    }

    /**
     * The current Vert.x context when the calling thread is its event loop and it belongs to {@code vertx}; null on
     * a worker thread, a thread of no Vert.x, or another Vert.x instance. Its {@code nettyEventLoop()} is the loop.
     */
    public static ContextInternal currentLoopContext(Vertx vertx) {
        Context current = Vertx.currentContext();
        if (current instanceof ContextInternal context && context.owner() == vertx && context.isEventLoopContext()
                && context.nettyEventLoop().inEventLoop()) {
            return context;
        }
        return null;
    }
}
