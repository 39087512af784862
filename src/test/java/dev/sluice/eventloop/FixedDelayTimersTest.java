package dev.sluice.eventloop;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Timers of one delay kept in a queue per event loop, on a real Vert.x instance. */
class FixedDelayTimersTest {

    static Vertx vertx;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** Runs {@code body} on an event loop, in a context of its own, and returns what it returns. */
    static <T> T onLoop(Context context, Supplier<T> body) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        context.runOnContext(ignored -> {
            try {
                result.complete(body.get());
            } catch (Throwable failure) {
                result.completeExceptionally(failure);
            }
        });
        return result.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aTimerFiresAfterItsDelayOnItsLoopInItsContext() throws Exception {
        FixedDelayTimers timers = new FixedDelayTimers(vertx, 50);
        Context context = vertx.getOrCreateContext();
        CompletableFuture<Context> firedIn = new CompletableFuture<>();
        CompletableFuture<Thread> loop = new CompletableFuture<>();
        CompletableFuture<Thread> firedOn = new CompletableFuture<>();
        long setAt = onLoop(context, () -> {
            loop.complete(Thread.currentThread());
            // read before the timer is set: a pause between the two would otherwise shorten the delay measured
            long now = System.nanoTime();
            timers.schedule(() -> {
                firedOn.complete(Thread.currentThread());
                firedIn.complete(Vertx.currentContext());
            });
            return now;
        });
        assertThat(firedIn.get(5, TimeUnit.SECONDS)).isSameAs(context);
        long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - setAt);
        assertThat(waitedMillis).isGreaterThanOrEqualTo(50).isLessThan(2_000);
        assertThat(firedOn.get()).isSameAs(loop.get());
    }

    @Test
    void aCancelledTimerDoesNotFireAndTheOnesAfterItDo() throws Exception {
        FixedDelayTimers timers = new FixedDelayTimers(vertx, 30);
        Context context = vertx.getOrCreateContext();
        List<Integer> fired = new CopyOnWriteArrayList<>();
        CountDownLatch last = new CountDownLatch(1);
        onLoop(context, () -> {
            Timer first = timers.schedule(() -> fired.add(1));
            timers.schedule(() -> fired.add(2));
            Timer third = timers.schedule(() -> fired.add(3));
            timers.schedule(() -> {
                fired.add(4);
                last.countDown();
            });
            first.cancel();
            third.cancel();
            third.cancel();
            return null;
        });
        assertThat(last.await(5, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(100); // a cancelled timer that would fire late
        assertThat(fired).containsExactly(2, 4);
    }

    @Test
    void aTimerCancelledFromAnotherThreadDoesNotFire() throws Exception {
        FixedDelayTimers timers = new FixedDelayTimers(vertx, 100);
        AtomicInteger fired = new AtomicInteger();
        Timer timer = onLoop(vertx.getOrCreateContext(), () -> timers.schedule(fired::incrementAndGet));
        timer.cancel();
        CountDownLatch after = new CountDownLatch(1);
        onLoop(vertx.getOrCreateContext(), () -> timers.schedule(after::countDown));
        assertThat(after.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(fired).hasValue(0);
    }

    @Test
    void aTimerSetWhileOneFiresWaitsAWholeDelay() throws Exception {
        FixedDelayTimers timers = new FixedDelayTimers(vertx, 40);
        List<Long> firedAt = new CopyOnWriteArrayList<>();
        CountDownLatch three = new CountDownLatch(3);
        Runnable[] again = new Runnable[1];
        again[0] = () -> {
            firedAt.add(System.nanoTime());
            three.countDown();
            if (firedAt.size() < 3) {
                timers.schedule(again[0]);
            }
        };
        long setAt = onLoop(vertx.getOrCreateContext(), () -> {
            timers.schedule(again[0]);
            return System.nanoTime();
        });
        assertThat(three.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(TimeUnit.NANOSECONDS.toMillis(firedAt.get(0) - setAt)).isGreaterThanOrEqualTo(40);
        assertThat(TimeUnit.NANOSECONDS.toMillis(firedAt.get(1) - firedAt.get(0))).isGreaterThanOrEqualTo(40);
        assertThat(TimeUnit.NANOSECONDS.toMillis(firedAt.get(2) - firedAt.get(1))).isGreaterThanOrEqualTo(40);
    }

    @Test
    void cancelledTimersBehindALiveOneDoNotPileUp() throws Exception {
        FixedDelayTimers timers = new FixedDelayTimers(vertx, 60_000);
        Context context = vertx.getOrCreateContext();
        AtomicInteger fired = new AtomicInteger();
        int queued = onLoop(context, () -> {
            Timer live = timers.schedule(fired::incrementAndGet); // a long stream's renewal
            for (int i = 0; i < 100_000; i++) {
                timers.schedule(fired::incrementAndGet).cancel(); // requests that ended
            }
            int size = timers.queuedOnThisLoop();
            live.cancel();
            return size;
        });
        assertThat(queued).isLessThanOrEqualTo(2_048);
        assertThat(fired).hasValue(0);
    }

    @Test
    void offAnEventLoopATimerIsAVertxTimer() throws Exception {
        FixedDelayTimers timers = new FixedDelayTimers(vertx, 30);
        CompletableFuture<Boolean> firedOnLoop = new CompletableFuture<>();
        AtomicInteger cancelledFired = new AtomicInteger();
        timers.schedule(() -> firedOnLoop.complete(Context.isOnEventLoopThread()));
        timers.schedule(cancelledFired::incrementAndGet).cancel();
        assertThat(firedOnLoop.get(5, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(100);
        assertThat(cancelledFired).hasValue(0);
        assertThat(timers.queuedOnThisLoop()).isZero();
    }
}
