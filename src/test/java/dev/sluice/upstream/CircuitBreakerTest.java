package dev.sluice.upstream;

import static dev.sluice.testing.Api.openai;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import dev.sluice.routing.Backend;
import dev.sluice.routing.BackendGuards;
import dev.sluice.testing.Backends;
import dev.sluice.testing.InjectBackends;
import dev.sluice.testing.BreakerProfile;
import dev.sluice.testing.ProxyProfile;
import dev.sluice.testing.Replies;
import dev.sluice.testing.Scrape;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.faulttolerance.api.TypedGuard;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One circuit breaker per backend (contract §6.5): opens on failures, skips the backend, half-opens after its delay. */
@QuarkusTest
@TestProfile(BreakerProfile.class)
class CircuitBreakerTest {

    @InjectBackends
    Backends backends;

    @jakarta.inject.Inject
    dev.sluice.control.ControlPlane control;


    @Test
    void opensAfterFailuresSkipsTheBackendAndClosesAgainAfterItsDelay() throws Exception {
        // given a backend that fails every call
        backends.get("m").reply(Replies.status(500, "{}"));
        for (int i = 0; i < 4; i++) {
            openai(ProxyProfile.KEY).body("{\"model\":\"fragile\",\"messages\":[]}").post("/v1/chat/completions")
                    .then().statusCode(502).body("error.code", equalTo("backend_http_error"));
        }
        assertThat(backends.get("m").requestCount()).isEqualTo(4);

        // when the breaker is open, the backend is skipped: nothing could be tried
        openai(ProxyProfile.KEY).body("{\"model\":\"fragile\",\"messages\":[]}").post("/v1/chat/completions")
                .then().statusCode(503)
                .body("error.type", equalTo("routing_error"))
                .body("error.code", equalTo("no_healthy_backends"))
                .body("error.model", equalTo("fragile"))
                .body("error.attempts", hasSize(0));
        assertThat(backends.get("m").requestCount()).isEqualTo(4);
        assertThat(Scrape.now().value("sluice_circuit_state", "backend", "m", "model", "fragile")).isEqualTo(2);

        // then after the delay one call goes through, and its success closes the breaker
        backends.get("m").reply(Replies.json(200, Replies.CHAT_COMPLETION));
        Thread.sleep(700);
        for (int i = 0; i < 3; i++) {
            openai(ProxyProfile.KEY).body("{\"model\":\"fragile\",\"messages\":[]}").post("/v1/chat/completions").then().statusCode(200);
        }
        assertThat(backends.get("m").requestCount()).isEqualTo(7);
        assertThat(Scrape.now().value("sluice_circuit_state", "backend", "m", "model", "fragile")).isZero();
    }

    @Test
    void theClientHearsTheBackendWithoutWaitingForTheBreakersVerdict() throws Exception {
        // given a breaker that hands its verdict on 1.5 s after the call ended (its own task, much delayed)
        Backend t = control.generation().catalog().model("verdict").backends().get(0);
        TypedGuard<CompletionStage<Object>> breaker = t.guard();
        Executor later = CompletableFuture.delayedExecutor(1500, TimeUnit.MILLISECONDS);
        BackendGuards.replace(t, new TypedGuard<>() {
            @Override
            public CompletionStage<Object> call(Callable<CompletionStage<Object>> action) {
                return get(() -> {
                    try {
                        return action.call();
                    } catch (Exception e) {
                        return CompletableFuture.failedStage(e);
                    }
                });
            }

            @Override
            public CompletionStage<Object> get(Supplier<CompletionStage<Object>> action) {
                CompletableFuture<Object> verdict = new CompletableFuture<>();
                breaker.get(action).whenComplete((answer, failure) -> later.execute(() -> {
                    if (failure == null) {
                        verdict.complete(answer);
                    } else {
                        verdict.completeExceptionally(failure);
                    }
                }));
                return verdict;
            }
        });
        try {
            // when the backend answers, then when it fails
            backends.get("t").reply(Replies.json(200, Replies.CHAT_COMPLETION));
            long start = System.nanoTime();
            openai(ProxyProfile.KEY).body("{\"model\":\"verdict\",\"messages\":[]}").post("/v1/chat/completions")
                    .then().statusCode(200);
            long answeredMillis = (System.nanoTime() - start) / 1_000_000;
            backends.get("t").reply(Replies.status(500, "{}"));
            start = System.nanoTime();
            openai(ProxyProfile.KEY).body("{\"model\":\"verdict\",\"messages\":[]}").post("/v1/chat/completions")
                    .then().statusCode(502).body("error.code", equalTo("backend_http_error"));
            long failedMillis = (System.nanoTime() - start) / 1_000_000;

            // then neither waited for the breaker's verdict
            assertThat(answeredMillis).isLessThan(1000);
            assertThat(failedMillis).isLessThan(1000);
        } finally {
            BackendGuards.replace(t, breaker);
        }
    }

    @Test
    void aCallThatTheBreakerRefusesOnceStartedIsGivenUpAndTheBackendSkipped() throws Exception {
        // given the breaker of backend r open while the backend still sees it closed: what a call started through a
        // closed breaker meets when other calls' failures open it before the breaker takes the call (the next pass of
        // the event loop)
        Backend r = control.generation().catalog().model("racing").backends().get(0);
        for (int i = 0; i < 4; i++) {
            r.guard().get(() -> java.util.concurrent.CompletableFuture.failedStage(UpstreamFailure.http(500, -1, null)))
                    .exceptionally(failure -> null).toCompletableFuture().get();
        }
        assertThat(r.breakerState()).isEqualTo(io.smallrye.faulttolerance.api.CircuitBreakerState.OPEN);
        r.breakerStateChanged(io.smallrye.faulttolerance.api.CircuitBreakerState.CLOSED);
        backends.get("r").reply(Replies.stall());
        backends.get("s").reply(Replies.json(200, Replies.CHAT_COMPLETION));

        // when a request for its model comes, the fallback answers: r counts as skipped, not as a failed attempt
        openai(ProxyProfile.KEY).body("{\"model\":\"racing\",\"messages\":[]}").post("/v1/chat/completions")
                .then().statusCode(200);
        assertThat(backends.get("s").requestCount()).isEqualTo(1);

        // and whatever of the call reached r was given up: no request is left open there
        for (int i = 0; i < 200 && backends.get("r").closedConnections() < backends.get("r").requestCount(); i++) {
            Thread.sleep(10);
        }
        assertThat(backends.get("r").requestCount()).isLessThanOrEqualTo(1);
        assertThat(backends.get("r").closedConnections()).isEqualTo(backends.get("r").requestCount());
    }

    @Test
    void clientsThatGoAwayDoNotOpenTheBreaker() throws Exception {
        backends.get("q").reply(Replies.stall());
        io.vertx.core.http.HttpClient hasty = dev.sluice.testing.TestBackend.vertx().createHttpClient(
                new io.vertx.core.http.HttpClientOptions().setKeepAlive(false));
        java.net.URL proxy = new java.net.URL(io.restassured.RestAssured.baseURI + ":" + io.restassured.RestAssured.port);
        java.util.concurrent.CountDownLatch arrived = new java.util.concurrent.CountDownLatch(6);
        for (int i = 0; i < 6; i++) {
            io.vertx.core.http.RequestOptions options = new io.vertx.core.http.RequestOptions()
                    .setMethod(io.vertx.core.http.HttpMethod.POST).setHost(proxy.getHost()).setPort(proxy.getPort())
                    .setURI("/v1/chat/completions").putHeader("authorization", "Bearer " + ProxyProfile.KEY)
                    .putHeader("content-type", "application/json");
            hasty.request(options).onSuccess(request -> request.send("{\"model\":\"shy\",\"messages\":[]}"));
        }
        // when every client leaves while the backend still works on its request
        for (int i = 0; i < 100 && backends.get("q").requestCount() < 6; i++) {
            Thread.sleep(10);
        }
        int closedBefore = backends.get("q").closedConnections();
        hasty.close().toCompletionStage().toCompletableFuture().get();
        // the proxy cancels the upstream requests at once
        for (int i = 0; i < 200 && backends.get("q").closedConnections() < closedBefore + 5; i++) {
            Thread.sleep(10);
        }
        assertThat(backends.get("q").closedConnections()).isGreaterThanOrEqualTo(closedBefore + 5);
        Thread.sleep(100);

        // then the backend's breaker is still closed: the next request reaches it
        backends.get("q").reply(Replies.json(200, Replies.CHAT_COMPLETION));
        openai(ProxyProfile.KEY).body("{\"model\":\"shy\",\"messages\":[]}").post("/v1/chat/completions")
                .then().statusCode(200);
        assertThat(Scrape.now().value("sluice_circuit_state", "backend", "q", "model", "shy")).isZero();
    }

    @Test
    void anOpenBackendIsSkippedInFavourOfAHealthyOneAndThenTheFallback() {
        backends.get("n").reply(Replies.status(503, "{}"));
        backends.get("o").reply(Replies.status(503, "{}"));
        // four requests, each trying n and o: both breakers open
        for (int i = 0; i < 4; i++) {
            openai(ProxyProfile.KEY).body("{\"model\":\"pair\",\"messages\":[]}").post("/v1/chat/completions").then().statusCode(200);
        }
        int pRequests = backends.get("p").requestCount();
        int nRequests = backends.get("n").requestCount() + backends.get("o").requestCount();

        openai(ProxyProfile.KEY).body("{\"model\":\"pair\",\"messages\":[]}").post("/v1/chat/completions").then().statusCode(200);

        // both primaries skipped, answered by the fallback alone
        assertThat(backends.get("n").requestCount() + backends.get("o").requestCount()).isEqualTo(nRequests);
        assertThat(backends.get("p").requestCount()).isEqualTo(pRequests + 1);
    }
}
