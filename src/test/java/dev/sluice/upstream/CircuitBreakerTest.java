package dev.sluice.upstream;

import static dev.sluice.testing.Api.openai;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
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
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.Guard;
import jakarta.enterprise.util.TypeLiteral;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
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
        // given a breaker whose asynchronous verdicts come 5 s after the call ended (its own task, much delayed): far
        // above what a request takes on a loaded machine (CI saw a first request take 1.3 s against a 1.5 s delay)
        Backend t = control.generation().catalog().model("verdict").backends().get(0);
        Guard breaker = t.guard();
        Executor later = CompletableFuture.delayedExecutor(5000, TimeUnit.MILLISECONDS);
        BackendGuards.replace(t, new Guard() {
            @Override
            public <T> T call(Callable<T> action, Class<T> type) throws Exception {
                return breaker.call(action, type);
            }

            @Override
            public <T> T call(Callable<T> action, TypeLiteral<T> type) throws Exception {
                return get(() -> {
                    try {
                        return action.call();
                    } catch (Exception e) {
                        throw new CompletionException(e);
                    }
                }, type);
            }

            @Override
            public <T> T get(Supplier<T> action, Class<T> type) {
                return breaker.get(action, type);
            }

            @Override
            @SuppressWarnings("unchecked")
            public <T> T get(Supplier<T> action, TypeLiteral<T> type) {
                CompletableFuture<Object> verdict = new CompletableFuture<>();
                ((CompletionStage<Object>) breaker.get(action, type)).whenComplete((answer, failure) -> later.execute(() -> {
                    if (failure == null) {
                        verdict.complete(answer);
                    } else {
                        verdict.completeExceptionally(failure);
                    }
                }));
                return (T) verdict;
            }
        });
        try {
            // when the backend answers, then when it fails, through a closed breaker
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

            // then neither waited for an asynchronous verdict: a closed breaker counts the outcome as it comes
            assertThat(answeredMillis).isLessThan(2500);
            assertThat(failedMillis).isLessThan(2500);
        } finally {
            BackendGuards.replace(t, breaker);
        }
    }

    @Test
    void aCallThatEndsAfterTheBreakerOpenedIsServedAndNotCounted() throws Exception {
        // given the breaker of backend r open while the backend still sees it closed: what a call started through a
        // closed breaker meets when other calls' failures open the breaker before it ends
        Backend r = control.generation().catalog().model("racing").backends().get(0);
        for (int i = 0; i < 4; i++) {
            try {
                r.guard().call(() -> {
                    throw UpstreamFailure.http(500, -1, null);
                }, Object.class);
            } catch (UpstreamFailure counted) {
                // the failure, counted
            }
        }
        assertThat(r.breakerState()).isEqualTo(CircuitBreakerState.OPEN);
        r.breakerStateChanged(CircuitBreakerState.CLOSED);
        backends.get("r").reply(Replies.json(200, Replies.CHAT_COMPLETION));

        // when a request for its model comes, r answers it: the call started while r looked closed
        openai(ProxyProfile.KEY).body("{\"model\":\"racing\",\"messages\":[]}").post("/v1/chat/completions")
                .then().statusCode(200);
        assertThat(backends.get("r").requestCount()).isEqualTo(1);
        assertThat(backends.get("s").requestCount()).isZero();

        // and its success was not counted: the breaker is still open, refusing the next call
        assertThatThrownBy(() -> r.guard().call(() -> "next", String.class))
                .isInstanceOf(CircuitBreakerOpenException.class);
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
