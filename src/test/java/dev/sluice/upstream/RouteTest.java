package dev.sluice.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.ConfigProblems;
import dev.sluice.config.SluiceConfig;
import dev.sluice.error.ProxyError;
import dev.sluice.routing.Backend;
import dev.sluice.routing.Catalog;
import dev.sluice.routing.ModelRoute;
import dev.sluice.routing.RetryBudget;
import dev.sluice.testing.Configs;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.junit.jupiter.api.Test;

/**
 * The forwarder's route (contract §6.3) with fake backends: which backends are tried in which order, when it stops,
 * and the result it ends with. No network: each call is answered by the test.
 */
class RouteTest {

    /**
     * Answers each call with the next scripted outcome for that backend; a backend without one is left pending, its
     * call answered later by the test ({@link #pending}).
     */
    static class FakeBackends implements Route.Caller {
        final List<String> called = new ArrayList<>();
        final java.util.Map<String, Deque<Function<Backend, CompletionStage<Object>>>> script = new java.util.HashMap<>();
        final java.util.Map<String, CompletableFuture<Object>> pending = new java.util.HashMap<>();
        final java.util.Map<String, Route.Flight> flights = new java.util.HashMap<>();

        FakeBackends on(String backend, Function<Backend, CompletionStage<Object>> answer) {
            script.computeIfAbsent(backend, name -> new ArrayDeque<>()).add(answer);
            return this;
        }

        @Override
        public CompletionStage<Object> call(OutgoingRequest request, Route.Flight flight) {
            return call(request, flight.model(), flight.backend(), flight);
        }

        CompletionStage<Object> call(OutgoingRequest request, ModelRoute model, Backend backend, Route.Flight flight) {
            called.add(backend.name());
            flights.put(backend.name(), flight);
            Deque<Function<Backend, CompletionStage<Object>>> answers = script.get(backend.name());
            if (answers == null || answers.isEmpty()) {
                CompletableFuture<Object> later = new CompletableFuture<>();
                pending.put(backend.name(), later);
                return later;
            }
            return answers.poll().apply(backend);
        }

        /** The call under way at {@code backend} answers 2xx (its first chunk). */
        void answer(String backend) {
            pending.get(backend).complete(new BackendCall.Response(null, null, Buffer.buffer("{}"), true, null, null));
        }

        void fail(String backend, UpstreamFailure failure) {
            pending.get(backend).completeExceptionally(failure);
        }

        /** True when the route gave up the call at {@code backend} (its request would be reset). */
        boolean cancelled(String backend) {
            return flights.get(backend).cancelled();
        }
    }

    /** The hedge's timer, driven by hand: {@link #advance} runs what falls due, in order. */
    static final class FakeClock implements Route.Timers {
        private record Task(long id, long at, Runnable task) {
        }

        private final List<Task> tasks = new ArrayList<>();
        private long now;
        private long ids;

        @Override
        public long set(long delayMillis, Runnable task) {
            tasks.add(new Task(ids, now + delayMillis, task));
            return ids++;
        }

        @Override
        public void cancel(long id) {
            tasks.removeIf(task -> task.id() == id);
        }

        void advance(long millis) {
            long until = now + millis;
            while (true) {
                Task next = tasks.stream().filter(task -> task.at() <= until)
                        .min(java.util.Comparator.comparingLong(Task::at)).orElse(null);
                if (next == null) {
                    break;
                }
                tasks.remove(next);
                now = next.at();
                next.task().run();
            }
            now = until;
        }

        int scheduled() {
            return tasks.size();
        }
    }

    /** A clock the sequential path must never use. */
    static final Route.Timers NO_TIMERS = new Route.Timers() {
        @Override
        public long set(long delayMillis, Runnable task) {
            throw new AssertionError("a route without hedge set a timer");
        }

        @Override
        public void cancel(long id) {
            throw new AssertionError("a route without hedge cancelled a timer");
        }
    };

    static final class Recorder implements Forwarder.Listener {
        final List<String> retries = new ArrayList<>();
        final List<String> hedges = new ArrayList<>();
        final List<String> connectWaits = new ArrayList<>();

        @Override
        public void waitedToConnect(String backend) {
            connectWaits.add(backend);
        }

        @Override
        public void retried(String failedBackend, String reason) {
            retries.add(failedBackend + ":" + reason);
        }

        @Override
        public void hedged(String model, String outcome) {
            hedges.add(model + ":" + outcome);
        }

        @Override
        public void firstByte(String backend, long nanos) {
        }

        @Override
        public void attemptEnded(String backend, long nanos) {
        }
    }

    static final OutgoingRequest REQUEST = new OutgoingRequest() {
        @Override
        public String requestId() {
            return "req_000000000000";
        }

        @Override
        public MultiMap clientHeaders() {
            return MultiMap.caseInsensitiveMultiMap();
        }

        @Override
        public String uri(ModelRoute model) {
            return "/v1/chat/completions";
        }

        @Override
        public Buffer body(ModelRoute model) {
            return Buffer.buffer("{}");
        }

        @Override
        public boolean identityEncoding() {
            return false;
        }

        @Override
        public void adjustHeaders(ModelRoute model, MultiMap upstreamHeaders) {
        }

        @Override
        public boolean readsWholeAnswer(ModelRoute model) {
            return false;
        }

        @Override
        public Buffer answer(ModelRoute model, Buffer backendAnswer) {
            return backendAnswer;
        }
    };

    static Function<Backend, CompletionStage<Object>> fails(UpstreamFailure failure) {
        return backend -> CompletableFuture.failedStage(failure);
    }

    static Function<Backend, CompletionStage<Object>> answers() {
        return backend -> CompletableFuture.completedStage(new BackendCall.Response(null, null, Buffer.buffer("{}"), true, null, null));
    }

    final Recorder listener = new Recorder();
    Catalog catalog;

    Catalog catalog(String... keyValues) {
        SluiceConfig config = Configs.of(keyValues);
        ConfigProblems problems = new ConfigProblems();
        // no breaker: the fake caller stands in for the guarded call
        catalog = Catalog.build(config.models(), config.upstream(), problems, (backend, breaker) -> null);
        assertThat(problems.list()).isEmpty();
        return catalog;
    }

    Route route(String model, FakeBackends backends, RetryBudget budget) {
        return route(model, backends, budget, NO_TIMERS);
    }

    /** The route as the forwarder starts it: the model, then its fallbacks. */
    Route route(String model, FakeBackends backends, RetryBudget budget, Route.Timers timers) {
        List<ModelRoute> chain = new ArrayList<>();
        chain.add(catalog.model(model));
        catalog.model(model).fallbacks().forEach(fallback -> chain.add(catalog.model(fallback)));
        Route route = new Route(REQUEST, chain, budget, listener, backends, timers);
        route.start();
        return route;
    }

    static RetryBudget generousBudget() {
        return new RetryBudget(1.0, System::nanoTime);
    }

    UpstreamResult.Failed failed(Route route) {
        assertThat(route.result().isComplete()).as("the route ended").isTrue();
        assertThat(route.result().result()).isInstanceOf(UpstreamResult.Failed.class);
        return (UpstreamResult.Failed) route.result().result();
    }

    @Test
    void aConnectErrorIsRetriedOnAnotherBackendThenTheAnswerWins() {
        // given
        catalog("sluice.models.chat.backends[0].name", "a", "sluice.models.chat.backends[0].url", "http://a",
                "sluice.models.chat.backends[1].name", "b", "sluice.models.chat.backends[1].url", "http://b");
        // when: whichever backend is chosen first refuses, the other answers
        FakeBackends oneRefuses = new FakeBackends() {
            @Override
            CompletionStage<Object> call(OutgoingRequest request, ModelRoute model, Backend backend, Route.Flight flight) {
                called.add(backend.name());
                return called.size() == 1 ? fails(UpstreamFailure.connect(new RuntimeException("refused"))).apply(backend)
                        : answers().apply(backend);
            }
        };
        Route route = route("chat", oneRefuses, generousBudget());

        // then: two different backends, the second answered, the first listed as an attempt
        assertThat(oneRefuses.called).hasSize(2).doesNotHaveDuplicates();
        UpstreamResult.Answered answered = (UpstreamResult.Answered) route.result().result();
        assertThat(answered.answer().backend().name()).isEqualTo(oneRefuses.called.get(1));
        assertThat(answered.attempts()).extracting(Attempt::backend).containsExactly(oneRefuses.called.get(0));
        assertThat(answered.attempts()).extracting(Attempt::code).containsExactly("backend_connect_error");
        assertThat(listener.retries).containsExactly(oneRefuses.called.get(0) + ":backend_connect_error");
    }

    @Test
    void everyBackendFailingFallsBackToTheNextModelInOrder() {
        // given
        catalog("sluice.models.primary.backends[0].name", "a", "sluice.models.primary.backends[0].url", "http://a",
                "sluice.models.primary.fallbacks[0]", "secondary",
                "sluice.models.secondary.upstream-model", "second-upstream",
                "sluice.models.secondary.backends[0].name", "b", "sluice.models.secondary.backends[0].url", "http://b");
        FakeBackends backends = new FakeBackends().on("a", fails(UpstreamFailure.http(503, 0, null))).on("b", answers());

        // when
        Route route = route("primary", backends, generousBudget());

        // then
        assertThat(backends.called).containsExactly("a", "b");
        UpstreamResult.Answered answered = (UpstreamResult.Answered) route.result().result();
        assertThat(answered.answer().model().name()).isEqualTo("secondary");
        assertThat(answered.attempts()).singleElement()
                .satisfies(attempt -> assertThat(attempt.toJson()).isEqualTo(new JsonObject().put("backend", "a")
                        .put("model", "primary").put("code", "http_503").put("status", 503)
                        .put("duration_ms", attempt.durationMs())));
    }

    @Test
    void aFiveHundredIsFinalAndNamesTheUpstreamStatus() {
        // given
        catalog("sluice.models.chat.backends[0].name", "a", "sluice.models.chat.backends[0].url", "http://a",
                "sluice.models.chat.backends[1].name", "b", "sluice.models.chat.backends[1].url", "http://b");
        FakeBackends backends = new FakeBackends().on("a", fails(UpstreamFailure.http(500, 0, null)))
                .on("b", fails(UpstreamFailure.http(500, 0, null)));

        // when
        Route route = route("chat", backends, generousBudget());

        // then: one call, not retried
        assertThat(backends.called).hasSize(1);
        ProxyError error = failed(route).error();
        assertThat(error.code()).isEqualTo("backend_http_error");
        assertThat(error.fields()).containsEntry("upstream_status", 500).containsEntry("model", "chat");
        assertThat((JsonArray) error.fields().get("attempts")).hasSize(1);
    }

    @Test
    void aTimeoutIsNotRetriedUnlessTheModelSaysSo() {
        // given
        catalog("sluice.models.chat.backends[0].name", "a", "sluice.models.chat.backends[0].url", "http://a",
                "sluice.models.chat.backends[1].name", "b", "sluice.models.chat.backends[1].url", "http://b",
                "sluice.models.patient.upstream.retry-on-timeout", "true",
                "sluice.models.patient.backends[0].name", "c", "sluice.models.patient.backends[0].url", "http://c",
                "sluice.models.patient.backends[1].name", "d", "sluice.models.patient.backends[1].url", "http://d");
        FakeBackends backends = new FakeBackends();
        for (String name : List.of("a", "b", "c", "d")) {
            backends.on(name, fails(UpstreamFailure.timeout("slow")));
        }

        // when
        Route impatient = route("chat", backends, generousBudget());
        Route patient = route("patient", backends, generousBudget());

        // then
        assertThat(failed(impatient).error().code()).isEqualTo("backend_timeout");
        assertThat(failed(impatient).attempts()).hasSize(1);
        assertThat(failed(patient).error().code()).isEqualTo("backend_timeout");
        assertThat(failed(patient).attempts()).hasSize(2);
    }

    @Test
    void everyBackendOverloadedAnswersTheProviders429WithTheLargestRetryAfter() {
        // given
        catalog("sluice.models.chat.backends[0].name", "a", "sluice.models.chat.backends[0].url", "http://a",
                "sluice.models.chat.backends[1].name", "b", "sluice.models.chat.backends[1].url", "http://b");
        FakeBackends backends = new FakeBackends().on("a", fails(UpstreamFailure.http(429, 7, null)))
                .on("b", fails(UpstreamFailure.http(529, 3, null)));

        // when
        Route route = route("chat", backends, generousBudget());

        // then
        ProxyError error = failed(route).error();
        assertThat(error.status()).isEqualTo(429);
        assertThat(error.code()).isEqualTo("rate_limit_exceeded");
        assertThat(error.origin().wire()).isEqualTo("provider");
        assertThat(error.fields()).containsEntry("limit", "provider");
        assertThat(error.headers()).containsEntry("retry-after", "7");
    }

    @Test
    void retriesStopAtTheModelsRetries() {
        // given: three backends, one retry
        catalog("sluice.models.chat.upstream.retries", "1",
                "sluice.models.chat.backends[0].name", "a", "sluice.models.chat.backends[0].url", "http://a",
                "sluice.models.chat.backends[1].name", "b", "sluice.models.chat.backends[1].url", "http://b",
                "sluice.models.chat.backends[2].name", "c", "sluice.models.chat.backends[2].url", "http://c");
        FakeBackends backends = new FakeBackends();
        for (String name : List.of("a", "b", "c")) {
            backends.on(name, fails(UpstreamFailure.http(502, 0, null)));
        }

        // when
        Route route = route("chat", backends, generousBudget());

        // then
        assertThat(backends.called).hasSize(2);
        assertThat(failed(route).error().code()).isEqualTo("backend_http_error");
    }

    @Test
    void aSpentRetryBudgetEndsWithTheFirstFailure() {
        // given: a budget that allows no retry (ratio 0, and its floor of 100 retries already used)
        catalog("sluice.models.chat.backends[0].name", "a", "sluice.models.chat.backends[0].url", "http://a",
                "sluice.models.chat.backends[1].name", "b", "sluice.models.chat.backends[1].url", "http://b");
        RetryBudget spent = new RetryBudget(0, () -> 0L);
        while (spent.tryRetry()) {
            // use the floor up
        }
        FakeBackends backends = new FakeBackends().on("a", fails(UpstreamFailure.http(503, 0, null)))
                .on("b", fails(UpstreamFailure.http(503, 0, null)));

        // when
        Route route = route("chat", backends, spent);

        // then
        assertThat(backends.called).hasSize(1);
        assertThat(failed(route).error().code()).isEqualTo("backend_http_error");
    }

    @Test
    void anOpenBreakerCountsAsSkippedAndNoBackendLeftIsNoHealthyBackends() {
        // given
        catalog("sluice.models.chat.backends[0].name", "a", "sluice.models.chat.backends[0].url", "http://a");
        FakeBackends backends = new FakeBackends()
                .on("a", backend -> CompletableFuture.failedStage(new CircuitBreakerOpenException("open")));

        // when
        Route route = route("chat", backends, generousBudget());

        // then
        ProxyError error = failed(route).error();
        assertThat(error.code()).isEqualTo("no_healthy_backends");
        assertThat(error.status()).isEqualTo(503);
        assertThat((JsonArray) error.fields().get("attempts")).isEmpty();
    }

    @Test
    void cancellingEndsTheRouteWithTheGivenAnswerAndTriesNothingMore() {
        // given: a backend that never answers
        catalog("sluice.models.chat.backends[0].name", "a", "sluice.models.chat.backends[0].url", "http://a",
                "sluice.models.chat.backends[1].name", "b", "sluice.models.chat.backends[1].url", "http://b");
        CompletableFuture<Object> pending = new CompletableFuture<>();
        FakeBackends backends = new FakeBackends().on("a", backend -> pending).on("b", backend -> pending);
        Route route = route("chat", backends, generousBudget());
        assertThat(route.result().isComplete()).isFalse();

        // when: the client goes away, and the attempt then fails (as a reset does)
        route.cancel(ProxyError.of(dev.sluice.error.ErrorCode.CLIENT_CLOSED, "gone"));
        pending.completeExceptionally(UpstreamFailure.cancelled());

        // then
        UpstreamResult.Failed failed = failed(route);
        assertThat(failed.cancelled()).isTrue();
        assertThat(failed.error().code()).isEqualTo("client_closed");
        assertThat(backends.called).hasSize(1);
        // the access log's attempts say which backend the client left waiting on (no answer carries them)
        assertThat(failed.attempts()).extracting(Attempt::backend, Attempt::code).containsExactly(
                org.assertj.core.groups.Tuple.tuple(backends.called.get(0), "cancelled"));
        assertThat(failed.error().fields()).doesNotContainKey("attempts");
    }

    // ------------------------------------------------------------------ hedging and race (§6.6)

    /** A model {@code chat} over backends named {@code backends}, with {@code hedge: {after, max-attempts}}. */
    void hedgedCatalog(String after, int maxAttempts, String... backends) {
        List<String> config = new ArrayList<>(List.of("sluice.models.chat.hedge.after", after,
                "sluice.models.chat.hedge.max-attempts", Integer.toString(maxAttempts)));
        for (int i = 0; i < backends.length; i++) {
            config.addAll(List.of("sluice.models.chat.backends[" + i + "].name", backends[i],
                    "sluice.models.chat.backends[" + i + "].url", "http://" + backends[i]));
        }
        catalog(config.toArray(String[]::new));
    }

    static UpstreamResult.Answered answered(Route route) {
        assertThat(route.result().isComplete()).as("the route ended").isTrue();
        assertThat(route.result().result()).isInstanceOf(UpstreamResult.Answered.class);
        return (UpstreamResult.Answered) route.result().result();
    }

    @Test
    void theSequentialPathNeverSetsATimer() {
        // given: no hedge, and a clock that fails the test when used
        catalog("sluice.models.chat.backends[0].name", "a", "sluice.models.chat.backends[0].url", "http://a",
                "sluice.models.chat.backends[1].name", "b", "sluice.models.chat.backends[1].url", "http://b");
        FakeBackends backends = new FakeBackends().on("a", fails(UpstreamFailure.http(503, 0, null)))
                .on("b", fails(UpstreamFailure.http(503, 0, null)));

        // when
        Route route = route("chat", backends, generousBudget(), NO_TIMERS);

        // then: one attempt after the other, as before
        assertThat(backends.called).hasSize(2);
        assertThat(failed(route).started()).isEqualTo(2);
        assertThat(listener.hedges).isEmpty();
    }

    @Test
    void theNextCandidateStartsEveryAfterUpToMaxAttemptsInFlight() {
        // given
        hedgedCatalog("100ms", 2, "a", "b", "c");
        FakeClock clock = new FakeClock();
        FakeBackends backends = new FakeBackends();

        // when / then
        Route route = route("chat", backends, generousBudget(), clock);
        assertThat(backends.called).hasSize(1);
        clock.advance(99);
        assertThat(backends.called).as("before after").hasSize(1);
        clock.advance(1);
        assertThat(backends.called).as("at after").hasSize(2).doesNotHaveDuplicates();
        clock.advance(1_000);
        assertThat(backends.called).as("max-attempts in flight").hasSize(2);
        assertThat(route.result().isComplete()).isFalse();
    }

    @Test
    void theFirstAnswerWinsAndEveryOtherAttemptIsCancelledAndListed() {
        // given: three attempts in flight
        hedgedCatalog("100ms", 3, "a", "b", "c");
        FakeClock clock = new FakeClock();
        FakeBackends backends = new FakeBackends();
        Route route = route("chat", backends, generousBudget(), clock);
        clock.advance(200);
        assertThat(backends.called).hasSize(3);
        String first = backends.called.get(0);
        String second = backends.called.get(1);
        String third = backends.called.get(2);

        // when: the second answers
        backends.answer(second);

        // then: it wins, the others are cancelled at once and listed in the order they started
        UpstreamResult.Answered answered = answered(route);
        assertThat(answered.answer().backend().name()).isEqualTo(second);
        assertThat(answered.started()).isEqualTo(3);
        assertThat(answered.attempts()).extracting(Attempt::backend).containsExactly(first, third);
        assertThat(answered.attempts()).extracting(Attempt::code).containsOnly("cancelled");
        assertThat(answered.attempts()).extracting(Attempt::status).containsOnlyNulls();
        assertThat(backends.cancelled(first)).isTrue();
        assertThat(backends.cancelled(third)).isTrue();
        assertThat(backends.cancelled(second)).isFalse();
        assertThat(listener.hedges).containsExactlyInAnyOrder("chat:cancelled", "chat:cancelled", "chat:won");
        assertThat(clock.scheduled()).as("no hedge left to start").isZero();

        // and when the cancelled calls end (as their reset makes them), nothing changes and they are released
        backends.fail(first, UpstreamFailure.cancelled());
        backends.fail(third, UpstreamFailure.cancelled());
        assertThat(route.result().result()).isSameAs(answered);
        assertThat(catalog.model("chat").backends()).filteredOn(backend -> !backend.name().equals(second))
                .allSatisfy(backend -> assertThat(backend.inFlight()).isZero());
        assertThat(listener.hedges).hasSize(3);
    }

    @Test
    void aRetryableFailureStartsTheNextCandidateAtOnce() {
        // given
        hedgedCatalog("100ms", 2, "a", "b");
        FakeClock clock = new FakeClock();
        FakeBackends backends = new FakeBackends();
        Route route = route("chat", backends, generousBudget(), clock);
        String first = backends.called.get(0);

        // when: the first fails with a 503 before after has passed
        clock.advance(30);
        backends.fail(first, UpstreamFailure.http(503, 0, null));

        // then: the next starts now, not at 100 ms, as a retry
        assertThat(backends.called).hasSize(2);
        assertThat(listener.retries).containsExactly(first + ":http_503");
        String second = backends.called.get(1);
        backends.answer(second);
        UpstreamResult.Answered answered = answered(route);
        assertThat(answered.started()).isEqualTo(2);
        assertThat(answered.attempts()).extracting(Attempt::code).containsExactly("http_503");
        assertThat(listener.hedges).containsExactly("chat:failed", "chat:won");
    }

    @Test
    void anAnswerThatIsNotRetriedIsFinalAndCancelsTheOthers() {
        // given: two attempts in flight
        hedgedCatalog("100ms", 2, "a", "b", "c");
        FakeClock clock = new FakeClock();
        FakeBackends backends = new FakeBackends();
        Route route = route("chat", backends, generousBudget(), clock);
        clock.advance(100);
        String first = backends.called.get(0);
        String second = backends.called.get(1);

        // when: the first answers 500
        backends.fail(first, UpstreamFailure.http(500, 0, null));

        // then: the request ends with it, and the other attempt is cancelled; nothing more starts
        ProxyError error = failed(route).error();
        assertThat(error.code()).isEqualTo("backend_http_error");
        assertThat(error.fields()).containsEntry("upstream_status", 500);
        assertThat(((JsonArray) error.fields().get("attempts")).stream().map(a -> ((JsonObject) a).getString("code")))
                .containsExactly("http_500", "cancelled");
        assertThat(backends.cancelled(second)).isTrue();
        assertThat(failed(route).started()).isEqualTo(2);
        clock.advance(1_000);
        assertThat(backends.called).hasSize(2);
    }

    @Test
    void aProviderErrorIsFinalAndCancelsTheOthers() {
        // given
        hedgedCatalog("100ms", 2, "a", "b");
        FakeClock clock = new FakeClock();
        FakeBackends backends = new FakeBackends();
        Route route = route("chat", backends, generousBudget(), clock);
        clock.advance(100);
        String first = backends.called.get(0);
        String second = backends.called.get(1);

        // when: the second answers the client's fault
        io.vertx.core.http.HttpClientResponse status400 = (io.vertx.core.http.HttpClientResponse) java.lang.reflect.Proxy
                .newProxyInstance(getClass().getClassLoader(),
                        new Class<?>[] {io.vertx.core.http.HttpClientResponse.class},
                        (proxy, method, args) -> method.getName().equals("statusCode") ? 400 : null);
        backends.pending.get(second).complete(new BackendCall.Response(null, status400, null, true,
                Buffer.buffer("{\"error\":{\"message\":\"bad temperature\",\"code\":\"invalid_value\"}}"), null));

        // then
        UpstreamResult.Failed failed = failed(route);
        assertThat(failed.error().status()).isEqualTo(400);
        assertThat(failed.error().code()).isEqualTo("invalid_value");
        assertThat(failed.attempts()).extracting(Attempt::backend).containsExactly(first);
        assertThat(failed.attempts()).extracting(Attempt::code).containsExactly("cancelled");
        assertThat(backends.cancelled(first)).isTrue();
    }

    @Test
    void raceStartsMaxAttemptsCandidatesTogetherAcrossFallbacks() {
        // given: one backend each, race mode
        catalog("sluice.models.primary.hedge.after", "0s", "sluice.models.primary.hedge.max-attempts", "2",
                "sluice.models.primary.fallbacks[0]", "secondary",
                "sluice.models.primary.backends[0].name", "a", "sluice.models.primary.backends[0].url", "http://a",
                "sluice.models.secondary.backends[0].name", "b", "sluice.models.secondary.backends[0].url", "http://b");
        FakeClock clock = new FakeClock();
        FakeBackends backends = new FakeBackends();

        // when
        Route route = route("primary", backends, generousBudget(), clock);

        // then: both started at once, no timer
        assertThat(backends.called).containsExactly("a", "b");
        assertThat(clock.scheduled()).isZero();
        backends.answer("b");
        UpstreamResult.Answered answered = answered(route);
        assertThat(answered.answer().model().name()).isEqualTo("secondary");
        assertThat(answered.attempts()).extracting(Attempt::backend, Attempt::code)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("a", "cancelled"));
        assertThat(backends.cancelled("a")).isTrue();
        assertThat(listener.hedges).containsExactlyInAnyOrder("primary:won", "primary:cancelled");
    }

    @Test
    void hedgedAttemptsCountAgainstTheRetryBudgetAndASpentOneStartsNoHedge() {
        // given: a budget with one retry left
        hedgedCatalog("100ms", 3, "a", "b", "c");
        RetryBudget budget = new RetryBudget(0, () -> 0L);
        while (budget.tryRetry()) {
            // use the floor up
        }
        long[] clockNanos = {0};
        RetryBudget oneLeft = new RetryBudget(0, () -> clockNanos[0]);
        for (int i = 0; i < 99; i++) {
            oneLeft.tryRetry();
        }
        FakeClock clock = new FakeClock();
        FakeBackends backends = new FakeBackends();

        // when
        Route route = route("chat", backends, oneLeft, clock);
        clock.advance(100);
        assertThat(backends.called).as("the hedge took the last retry").hasSize(2);
        clock.advance(1_000);

        // then: no third attempt, and the budget is spent for everyone
        assertThat(backends.called).hasSize(2);
        assertThat(oneLeft.tryRetry()).isFalse();
        backends.answer(backends.called.get(0));
        assertThat(answered(route).started()).isEqualTo(2);

        // and a route on a spent budget never hedges; its failure is final
        FakeBackends alone = new FakeBackends();
        Route spent = route("chat", alone, budget, clock);
        clock.advance(1_000);
        assertThat(alone.called).hasSize(1);
        alone.fail(alone.called.get(0), UpstreamFailure.http(503, 0, null));
        assertThat(alone.called).hasSize(1);
        assertThat(failed(spent).error().code()).isEqualTo("backend_http_error");
        assertThat(failed(spent).started()).isEqualTo(1);
    }

    @Test
    void aTimeoutThatIsNotRetriedStartsNothingMoreButTheOthersMayStillAnswer() {
        // given: two attempts in flight
        hedgedCatalog("100ms", 3, "a", "b", "c");
        FakeClock clock = new FakeClock();
        FakeBackends backends = new FakeBackends();
        Route route = route("chat", backends, generousBudget(), clock);
        clock.advance(100);
        String first = backends.called.get(0);
        String second = backends.called.get(1);

        // when: the first times out (not retried by default)
        backends.fail(first, UpstreamFailure.timeout("slow"));
        clock.advance(1_000);

        // then: no third candidate, and the second still answers
        assertThat(backends.called).hasSize(2);
        assertThat(route.result().isComplete()).isFalse();
        backends.answer(second);
        assertThat(answered(route).attempts()).extracting(Attempt::code).containsExactly("backend_timeout");
    }

    @Test
    void whenTheLastAttemptInFlightTimesOutTheRequestEndsWithIt() {
        // given
        hedgedCatalog("100ms", 2, "a", "b");
        FakeClock clock = new FakeClock();
        FakeBackends backends = new FakeBackends();
        Route route = route("chat", backends, generousBudget(), clock);
        clock.advance(100);

        // when
        backends.fail(backends.called.get(0), UpstreamFailure.http(503, 0, null));
        backends.fail(backends.called.get(1), UpstreamFailure.timeout("slow"));

        // then: both backends tried, none left: the last failure answers, with every attempt
        UpstreamResult.Failed failed = failed(route);
        assertThat(failed.error().code()).isEqualTo("backend_timeout");
        assertThat(failed.attempts()).extracting(Attempt::code).containsExactly("http_503", "backend_timeout");
        assertThat(failed.started()).isEqualTo(2);
    }

    @Test
    void anAttemptWaitingForItsTurnToConnectIsWithdrawnWhenTheRouteGivesItUp() {
        // given: two hedged attempts, both waiting for a turn to connect (ConnectGate)
        hedgedCatalog("100ms", 2, "a", "b");
        FakeClock clock = new FakeClock();
        FakeBackends backends = new FakeBackends();
        Route route = route("chat", backends, generousBudget(), clock);
        clock.advance(100);
        List<String> withdrawn = new ArrayList<>();
        backends.flights.forEach((name, flight) -> flight.waiting(() -> withdrawn.add(name)));

        // when: one answers
        String first = backends.called.get(0);
        String second = backends.called.get(1);
        backends.answer(first);

        // then: the other leaves the queue (it has no request to reset); the one that answered is not touched
        assertThat(withdrawn).containsExactly(second);
        // and each wait was counted for its backend (sluice_upstream_connect_waits_total)
        assertThat(listener.connectWaits).containsExactlyInAnyOrder("a", "b");

        // and in the sequential path: the client leaves while the only attempt waits for its turn
        catalog("sluice.models.chat.backends[0].name", "a", "sluice.models.chat.backends[0].url", "http://a");
        FakeBackends waiting = new FakeBackends();
        Route sequential = route("chat", waiting, generousBudget());
        List<String> left = new ArrayList<>();
        waiting.flights.get("a").waiting(() -> left.add("a"));
        sequential.cancel(ProxyError.of(dev.sluice.error.ErrorCode.CLIENT_CLOSED, "gone"));
        assertThat(left).containsExactly("a");
    }

    @Test
    void cancellingStopsEveryAttemptAtOnce() {
        // given: two attempts in flight
        hedgedCatalog("100ms", 2, "a", "b");
        FakeClock clock = new FakeClock();
        FakeBackends backends = new FakeBackends();
        Route route = route("chat", backends, generousBudget(), clock);
        clock.advance(100);

        // when: the client goes away
        route.cancel(ProxyError.of(dev.sluice.error.ErrorCode.CLIENT_CLOSED, "gone"));

        // then: the route ends now, every call given up
        UpstreamResult.Failed failed = failed(route);
        assertThat(failed.cancelled()).isTrue();
        assertThat(failed.error().code()).isEqualTo("client_closed");
        assertThat(failed.attempts()).extracting(Attempt::code).containsExactly("cancelled", "cancelled");
        assertThat(backends.called).allSatisfy(name -> assertThat(backends.cancelled(name)).isTrue());
        assertThat(clock.scheduled()).isZero();
    }

    @Test
    void aBackendWhoseBreakerIsOpenIsSkippedAndTheNextStartsAtOnce() {
        // given
        hedgedCatalog("100ms", 2, "a", "b");
        FakeClock clock = new FakeClock();
        FakeBackends backends = new FakeBackends()
                .on("a", backend -> CompletableFuture.failedStage(new CircuitBreakerOpenException("open")))
                .on("b", backend -> CompletableFuture.failedStage(new CircuitBreakerOpenException("open")));

        // when
        Route route = route("chat", backends, generousBudget(), clock);

        // then: both skipped, none started
        UpstreamResult.Failed failed = failed(route);
        assertThat(failed.error().code()).isEqualTo("no_healthy_backends");
        assertThat(failed.started()).isZero();
        assertThat(backends.called).containsExactlyInAnyOrder("a", "b");
        assertThat(clock.scheduled()).isZero();
    }

    @Test
    void aModelThatCannotTakeTheRequestIsSkippedByAHedgedRouteAndIsNoAttempt() {
        // given: in a race, the model's protocol cannot carry the request; its fallback can
        catalog("sluice.models.primary.hedge.after", "0s",
                "sluice.models.primary.fallbacks[0]", "secondary",
                "sluice.models.primary.backends[0].name", "a", "sluice.models.primary.backends[0].url", "http://a",
                "sluice.models.primary.backends[1].name", "a2", "sluice.models.primary.backends[1].url", "http://a2",
                "sluice.models.secondary.backends[0].name", "b", "sluice.models.secondary.backends[0].url", "http://b");
        FakeBackends backends = new FakeBackends()
                .on("a", backend -> CompletableFuture.failedStage(ProxyError.of(
                        dev.sluice.error.ErrorCode.UNSUPPORTED_PARAMETER, "cannot carry logit_bias", "logit_bias")))
                .on("a2", backend -> CompletableFuture.failedStage(ProxyError.of(
                        dev.sluice.error.ErrorCode.UNSUPPORTED_PARAMETER, "cannot carry logit_bias", "logit_bias")));
        FakeClock clock = new FakeClock();

        // when
        Route route = route("primary", backends, generousBudget(), clock);

        // then: the primary's other backend is not tried; the fallback is, and it is the only attempt
        assertThat(backends.called).hasSize(2).contains("b");
        backends.answer("b");
        UpstreamResult.Answered answered = answered(route);
        assertThat(answered.started()).isEqualTo(1);
        assertThat(answered.attempts()).isEmpty();
    }
}
