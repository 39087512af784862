package dev.sluice.limits;

import dev.sluice.eventloop.FixedDelayTimers;
import dev.sluice.eventloop.Timer;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
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
        Timer timer = timers.schedule(() -> promise.tryFail(
                new TimeoutException("Redis did not answer within " + timeoutMillis + " ms")));
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
}
