package dev.sluice.limits;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeoutException;

/** Bounds a Redis call by {@code redis-timeout} (contract §4.5): every store that talks to Redis uses it. */
public final class RedisDeadline {

    private RedisDeadline() {
    }

    /**
     * The call, failed with a {@link TimeoutException} when Redis does not answer within {@code timeoutMillis}.
     *
     * @param late told of an answer that came after the timeout, or null
     */
    public static <T> Future<T> bounded(Vertx vertx, long timeoutMillis, Future<T> call, Handler<T> late) {
        Promise<T> promise = Promise.promise();
        long timer = vertx.setTimer(timeoutMillis, id -> promise.tryFail(
                new TimeoutException("Redis did not answer within " + timeoutMillis + " ms")));
        call.onComplete(result -> {
            vertx.cancelTimer(timer);
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
