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

    /** Answers each call with the next scripted outcome for that backend. */
    static class FakeBackends implements Route.Caller {
        final List<String> called = new ArrayList<>();
        final java.util.Map<String, Deque<Function<Backend, CompletionStage<Object>>>> script = new java.util.HashMap<>();

        FakeBackends on(String backend, Function<Backend, CompletionStage<Object>> answer) {
            script.computeIfAbsent(backend, name -> new ArrayDeque<>()).add(answer);
            return this;
        }

        @Override
        public CompletionStage<Object> call(OutgoingRequest request, ModelRoute model, Backend backend, Route route) {
            called.add(backend.name());
            Deque<Function<Backend, CompletionStage<Object>>> answers = script.get(backend.name());
            if (answers == null || answers.isEmpty()) {
                return new CompletableFuture<>(); // never answers
            }
            return answers.poll().apply(backend);
        }
    }

    static final class Recorder implements Forwarder.Listener {
        final List<String> retries = new ArrayList<>();

        @Override
        public void retried(String failedBackend, String reason) {
            retries.add(failedBackend + ":" + reason);
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
        return backend -> CompletableFuture.completedStage(new BackendCall.Response(null, null, Buffer.buffer("{}"), true, null));
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
        Route route = new Route(REQUEST, catalog.model(model), catalog, budget, listener, backends);
        route.next();
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
            public CompletionStage<Object> call(OutgoingRequest request, ModelRoute model, Backend backend, Route route) {
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
    }
}
