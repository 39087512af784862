package dev.sluice.eventloop;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One-shot timers on the calling event loop's scheduler, on a real Vert.x instance. */
class LoopTimersTest {

    static Vertx vertx;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void firesAfterItsDelayOnItsLoopInItsContext() throws Exception {
        Context context = vertx.getOrCreateContext();
        CompletableFuture<Context> firedIn = new CompletableFuture<>();
        CompletableFuture<Long> setAt = new CompletableFuture<>();
        context.runOnContext(ignored -> {
            // read before the timer is set: a pause between the two would otherwise shorten the delay measured
            setAt.complete(System.nanoTime());
            LoopTimers.schedule(vertx, 40, () -> firedIn.complete(Vertx.currentContext()));
        });
        assertThat(firedIn.get(5, TimeUnit.SECONDS)).isSameAs(context);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - setAt.get())).isGreaterThanOrEqualTo(40);
    }

    @Test
    void aCancelledTimerDoesNotFire() throws Exception {
        AtomicInteger fired = new AtomicInteger();
        CompletableFuture<Void> after = new CompletableFuture<>();
        vertx.getOrCreateContext().runOnContext(ignored -> {
            LoopTimers.schedule(vertx, 20, fired::incrementAndGet).cancel();
            LoopTimers.schedule(vertx, 60, () -> after.complete(null));
        });
        after.get(5, TimeUnit.SECONDS);
        assertThat(fired).hasValue(0);
    }

    @Test
    void offAnEventLoopItIsAVertxTimer() throws Exception {
        CompletableFuture<Boolean> onLoop = new CompletableFuture<>();
        AtomicInteger cancelledFired = new AtomicInteger();
        LoopTimers.schedule(vertx, 20, () -> onLoop.complete(Context.isOnEventLoopThread()));
        LoopTimers.schedule(vertx, 20, cancelledFired::incrementAndGet).cancel();
        assertThat(onLoop.get(5, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(60);
        assertThat(cancelledFired).hasValue(0);
    }
}
