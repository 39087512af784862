package dev.sluice.eventloop;

import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;
import java.util.concurrent.TimeUnit;

/**
 * One-shot timers of any delay, set on the calling event loop's own scheduler. A Vert.x timer also keeps an entry in a
 * map shared by every loop and a close hook of its context, each put and removed again; the request path sets and
 * cancels such a timer for nearly every request (a backend call's watchdog), and those map operations showed in its
 * profile. The action runs on the loop that set the timer, in the Vert.x context that was current then, as with a
 * Vert.x timer; off an event loop a timer is a Vert.x timer.
 *
 * <p>For many timers of one delay, {@link FixedDelayTimers} costs less still.
 */
public final class LoopTimers {

    private LoopTimers() {
    }

    public static Timer schedule(Vertx vertx, long delayMillis, Runnable action) {
        ContextInternal context = EventLoops.currentLoopContext(vertx);
        if (context == null) {
            return vertxTimer(vertx, delayMillis, action);
        }
        ScheduledFuture<?> scheduled = context.nettyEventLoop().schedule(() -> context.dispatch(action),
                Math.max(1, delayMillis), TimeUnit.MILLISECONDS);
        return () -> scheduled.cancel(false);
    }

    /** A plain Vert.x timer: what a timer set off an event loop is. */
    static Timer vertxTimer(Vertx vertx, long delayMillis, Runnable action) {
        long id = vertx.setTimer(Math.max(1, delayMillis), ignored -> action.run());
        return () -> vertx.cancelTimer(id);
    }
}
