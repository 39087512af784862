package dev.sluice.limits;

import dev.sluice.eventloop.FixedDelayTimers;
import dev.sluice.eventloop.Timer;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Bounds Redis calls by {@code redis-timeout} (contract §4.5): every store that talks to Redis uses one. */
public final class RedisDeadline {

    private final long timeoutMillis;
    private final FixedDelayTimers timers;

    public RedisDeadline(Vertx vertx, long timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
        this.timers = new FixedDelayTimers(vertx, timeoutMillis);
    }

    /**
     * The call, failed with a {@link TimeoutException} when Redis does not answer within the timeout.
     *
     * @param late told of an answer that came after the timeout, or null
     */
    public <T> Future<T> bounded(Future<T> call, Handler<T> late) {
        Promise<T> promise = Promise.promise();
        Timer timer = timers.schedule(() -> lastLook(() -> promise.tryFail(
                new TimeoutException("Redis did not answer within " + timeoutMillis + " ms"))));
        call.onComplete(result -> {
            timer.cancel();
            if (result.succeeded()) {
                if (!promise.tryComplete(result.result()) && late != null) {
                    late.handle(result.result());
                }
            } else {
                promise.tryFail(result.cause());
            }
        });
        return promise.future();
    }

    /**
     * Fails the call after the event loop has read its sockets once more. The deadline's timer runs among the loop's
     * tasks, which may come before the read of an answer that is already there: on a loop kept busy (a cold process's
     * first burst, 25 requests on a busy core) answers Redis gave in 1 ms were taken for an outage. A task the loop
     * schedules now runs only after its next pass over the sockets; a Redis that is really gone costs that pass more.
     */
    private static void lastLook(Runnable fail) {
        ContextInternal context = ContextInternal.current();
        if (context == null || !context.inThread() || !context.isEventLoopContext()) {
            fail.run();
            return;
        }
        context.nettyEventLoop().schedule(() -> context.dispatch(fail), 0, TimeUnit.NANOSECONDS);
    }
}
