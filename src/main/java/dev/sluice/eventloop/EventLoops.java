package dev.sluice.eventloop;

import io.netty.channel.EventLoop;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;

/** Which event loop the caller runs on. */
public final class EventLoops {

    private EventLoops() {
    }

    /** The event loop of {@code vertx} that the calling thread is, or null (a worker thread, another Vert.x). */
    public static EventLoop current(Vertx vertx) {
        Context current = Vertx.currentContext();
        if (current instanceof ContextInternal context && context.owner() == vertx && context.isEventLoopContext()
                && context.nettyEventLoop().inEventLoop()) {
            return context.nettyEventLoop();
        }
        return null;
    }
}
