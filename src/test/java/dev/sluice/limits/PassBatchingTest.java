package dev.sluice.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Calls made in one pass of an event loop leave together, per group, in the loop's own context. */
class PassBatchingTest {

    static Vertx vertx;

    /** What the sender was given, and in which context it ran. */
    record Sent(List<String> calls, Context context) {
    }

    final List<Sent> sent = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() {
        vertx.close();
    }

    /** Groups by the text before ':'; answers each call with its text upper-cased; fails a group named "bad". */
    PassBatching<String, String> batching() {
        return new PassBatching<>(vertx, (first, other) -> group(first).equals(group(other)), calls -> {
            sent.add(new Sent(List.copyOf(calls), Vertx.currentContext()));
            if (group(calls.get(0)).equals("bad")) {
                return Future.failedFuture(new IllegalStateException("refused"));
            }
            return Future.succeededFuture(calls.stream().map(String::toUpperCase).toList());
        });
    }

    static String group(String call) {
        return call.substring(0, call.indexOf(':'));
    }

    @Test
    void callsOfOnePassLeaveOncePerGroupAndEachGetsItsOwnAnswer() throws Exception {
        PassBatching<String, String> batching = batching();
        ContextInternal request = ((ContextInternal) vertx.getOrCreateContext()).duplicate();

        List<Future<String>> answers = onLoop(request, () -> List.of(batching.add("a:1"), batching.add("b:1"),
                batching.add("a:2"), batching.add("a:3"), batching.add("b:2")));

        assertThat(awaitAll(answers)).containsExactly("A:1", "B:1", "A:2", "A:3", "B:2");
        assertThat(sent).extracting(Sent::calls).containsExactly(List.of("a:1", "a:2", "a:3"), List.of("b:1", "b:2"));
    }

    @Test
    void batchesAreSentInTheLoopsOwnContextNotARequestsDuplicate() throws Exception {
        // the deadline of a batch is a timer of the context it is sent in: with none, it was a Vert.x timer of some
        // other loop's context
        PassBatching<String, String> batching = batching();
        ContextInternal request = ((ContextInternal) vertx.getOrCreateContext()).duplicate();

        awaitAll(onLoop(request, () -> List.of(batching.add("a:1"))));

        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).context()).isSameAs(request.unwrap());
    }

    @Test
    void aFailedBatchFailsItsCallsOnlyAndTheOthersStillGo() throws Exception {
        PassBatching<String, String> batching = batching();
        ContextInternal request = ((ContextInternal) vertx.getOrCreateContext()).duplicate();

        List<Future<String>> answers = onLoop(request, () -> List.of(batching.add("bad:1"), batching.add("a:1"),
                batching.add("bad:2")));
        for (Future<String> answer : answers) {
            answer.toCompletionStage().toCompletableFuture().handle((ok, failure) -> null).get(5, TimeUnit.SECONDS);
        }

        assertThat(answers.get(0).failed()).isTrue();
        assertThat(answers.get(2).failed()).isTrue();
        assertThat(answers.get(1).result()).isEqualTo("A:1");
        assertThat(sent).hasSize(2);
    }

    @Test
    void aCallOffTheEventLoopsIsSentAloneAtOnce() throws Exception {
        PassBatching<String, String> batching = batching();

        Future<String> first = batching.add("a:1");
        Future<String> second = batching.add("a:2");

        assertThat(first.result()).isEqualTo("A:1");
        assertThat(second.result()).isEqualTo("A:2");
        assertThat(sent).extracting(Sent::calls).containsExactly(List.of("a:1"), List.of("a:2"));
    }

    @Test
    void noBatchHoldsMoreThanItsMaximum() throws Exception {
        PassBatching<String, String> batching = batching();
        ContextInternal request = ((ContextInternal) vertx.getOrCreateContext()).duplicate();

        awaitAll(onLoop(request, () -> {
            List<Future<String>> calls = new ArrayList<>();
            for (int i = 0; i < PassBatching.MAX_BATCH + 1; i++) {
                calls.add(batching.add("a:" + i));
            }
            return calls;
        }));

        assertThat(sent).extracting(one -> one.calls().size()).containsExactly(PassBatching.MAX_BATCH, 1);
    }

    @Test
    void flushedCompletesOnceThePassesCallsAreHandedOverNotWhenTheyAreAnswered() throws Exception {
        // given: a sender whose answers never come (a Redis that has not answered yet)
        io.vertx.core.Promise<List<String>> never = io.vertx.core.Promise.promise();
        PassBatching<String, String> batching = new PassBatching<>(vertx,
                (first, other) -> group(first).equals(group(other)), calls -> {
                    sent.add(new Sent(List.copyOf(calls), Vertx.currentContext()));
                    return never.future();
                });
        ContextInternal request = ((ContextInternal) vertx.getOrCreateContext()).duplicate();
        CompletableFuture<Boolean> pendingWhenAsked = new CompletableFuture<>();
        CompletableFuture<Integer> batchesSentWhenFlushed = new CompletableFuture<>();
        List<Future<String>> answers = new CopyOnWriteArrayList<>();

        // when: two groups' calls are made in one pass, and the pass asks when they are on their way
        request.runOnContext(ignored -> {
            answers.add(batching.add("a:1"));
            answers.add(batching.add("b:1"));
            Future<Void> flushed = batching.flushed();
            pendingWhenAsked.complete(!flushed.isComplete());
            flushed.onSuccess(done -> batchesSentWhenFlushed.complete(sent.size()));
        });

        // then: not before the end of the pass, then with both batches handed to the sender, their answers pending
        assertThat(pendingWhenAsked.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(batchesSentWhenFlushed.get(5, TimeUnit.SECONDS)).isEqualTo(2);
        assertThat(answers).hasSize(2).noneMatch(Future::isComplete);
    }

    @Test
    void flushedIsCompleteAtOnceWhenNoCallWaits() throws Exception {
        PassBatching<String, String> batching = batching();
        ContextInternal request = ((ContextInternal) vertx.getOrCreateContext()).duplicate();
        CompletableFuture<Boolean> onTheLoop = new CompletableFuture<>();

        // the loop's calls of an earlier pass are gone, and none were made in this one
        awaitAll(onLoop(request, () -> List.of(batching.add("a:1"))));
        request.runOnContext(ignored -> onTheLoop.complete(batching.flushed().isComplete()));

        assertThat(onTheLoop.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(batching.flushed().isComplete()).as("off the event loops").isTrue();
    }

    private static List<Future<String>> onLoop(Context context, java.util.function.Supplier<List<Future<String>>> calls)
            throws Exception {
        CompletableFuture<List<Future<String>>> made = new CompletableFuture<>();
        context.runOnContext(ignored -> made.complete(calls.get()));
        return made.get(5, TimeUnit.SECONDS);
    }

    private static List<String> awaitAll(List<Future<String>> answers) throws Exception {
        List<String> results = new ArrayList<>();
        for (Future<String> answer : answers) {
            results.add(answer.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS));
        }
        return results;
    }
}
