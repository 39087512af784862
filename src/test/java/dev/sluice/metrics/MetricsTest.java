package dev.sluice.metrics;

import static dev.sluice.testing.Api.openai;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.Api;
import dev.sluice.testing.Backends;
import dev.sluice.testing.InjectBackends;
import dev.sluice.testing.ProxyProfile;
import dev.sluice.testing.Replies;
import dev.sluice.testing.Scrape;
import io.prometheus.client.exemplars.ExemplarSampler;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The series of contract §8 after real traffic: names, labels and values (as differences between scrapes). */
@QuarkusTest
@TestProfile(ProxyProfile.class)
class MetricsTest {

    private static final String CHAT = Api.chat("chat");

    @InjectBackends
    Backends backends;



    @BeforeEach
    void reset() {
        backends.resetAll();
    }

    @Inject
    Optional<ExemplarSampler> exemplarSampler;

    /** Tracing is off by default: the Prometheus registry gets no exemplar sampler (see {@code Exemplars}). */
    @Test
    void withTracingOffTheRegistryHasNoExemplarSampler() {
        assertThat(exemplarSampler).isEmpty();
    }

    @Test
    void countsSuccessesByModelWithCodeOkAndOriginProvider() {
        Scrape before = Scrape.now();
        for (int i = 0; i < 3; i++) {
            openai(ProxyProfile.KEY).body(CHAT).post("/v1/chat/completions").then().statusCode(200);
        }
        Scrape after = Scrape.now();

        String[] ok = {"model", "chat", "status", "200", "code", "ok", "origin", "provider"};
        assertThat(after.value("sluice_requests_total", ok) - before.value("sluice_requests_total", ok)).isEqualTo(3);
        assertThat(after.value("sluice_request_duration_seconds_count") - before.value("sluice_request_duration_seconds_count"))
                .isGreaterThanOrEqualTo(3);
        assertThat(after.value("sluice_overhead_seconds_count") - before.value("sluice_overhead_seconds_count"))
                .isGreaterThanOrEqualTo(3);
        assertThat(after.value("sluice_upstream_duration_seconds_count", "backend", "a")
                + after.value("sluice_upstream_duration_seconds_count", "backend", "b")
                - before.value("sluice_upstream_duration_seconds_count", "backend", "a")
                - before.value("sluice_upstream_duration_seconds_count", "backend", "b")).isEqualTo(3);
        assertThat(after.has("sluice_upstream_ttfb_seconds_count")).isTrue();
        assertThat(after.value("sluice_limit_decisions_total", "limit", "none", "decision", "admitted")
                - before.value("sluice_limit_decisions_total", "limit", "none", "decision", "admitted")).isEqualTo(3);
        assertThat(after.value("sluice_inflight", "account", "acme")).isZero();
        assertThat(after.has("sluice_admission_duration_seconds_count", "store", "local")).isTrue();
    }

    @Test
    void anAccountMadeAtRunTimeCountsInTheOtherInFlightSeries() throws Exception {
        // given an account and a key made through the admin API, and a backend that holds the answer
        String account = "runtime-" + System.nanoTime();
        Api.given().header("authorization", "Bearer " + ProxyProfile.ADMIN_KEY).body("{}")
                .put("/admin/v1/accounts/" + account).then().statusCode(200);
        String key = Api.given().header("authorization", "Bearer " + ProxyProfile.ADMIN_KEY)
                .body("{\"account\":\"" + account + "\"}").post("/admin/v1/keys").then().statusCode(201)
                .extract().jsonPath().getString("key");
        java.util.concurrent.CompletableFuture<Void> gate = new java.util.concurrent.CompletableFuture<>();
        for (String name : new String[] {"a", "b"}) {
            backends.get(name).reply(Replies.gated(gate, Replies.json(200, Replies.CHAT_COMPLETION)));
        }
        double before = Scrape.now().value("sluice_inflight", "account", "other");
        int requestsBefore = backends.get("a").requestCount() + backends.get("b").requestCount();

        // when one of its requests is in flight
        java.util.concurrent.CompletableFuture<Integer> answered = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> openai(key).body(CHAT).post("/v1/chat/completions").statusCode());
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (backends.get("a").requestCount() + backends.get("b").requestCount() == requestsBefore
                && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        double during = Scrape.now().value("sluice_inflight", "account", "other");
        gate.complete(null);

        // then it is counted as other, and no longer once answered
        assertThat(answered.get(5, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(200);
        assertThat(during - before).isEqualTo(1);
        assertThat(Scrape.now().value("sluice_inflight", "account", "other")).isEqualTo(before);
    }

    @Test
    void foldsUnknownModelsAndCountsTheProxysOwnErrors() {
        Scrape before = Scrape.now();
        openai(ProxyProfile.KEY).body("{\"model\":\"no-such-model-" + System.nanoTime() + "\",\"messages\":[]}")
                .post("/v1/chat/completions").then().statusCode(404);
        openai("wrong-key").body(CHAT).post("/v1/chat/completions").then().statusCode(401);
        Scrape after = Scrape.now();

        String[] notFound = {"model", "unknown", "status", "404", "code", "model_not_found", "origin", "router"};
        String[] unauthorized = {"model", "unknown", "status", "401", "code", "http_401", "origin", "router"};
        assertThat(after.value("sluice_requests_total", notFound) - before.value("sluice_requests_total", notFound))
                .isEqualTo(1);
        assertThat(after.value("sluice_requests_total", unauthorized) - before.value("sluice_requests_total", unauthorized))
                .isEqualTo(1);
        assertThat(after.text()).doesNotContain("no-such-model");
    }

    @Test
    void countsRetriesByTheBackendThatFailedAndBackendErrorsByCode() {
        backends.get("a").reply(Replies.status(503, "{}"));
        backends.get("b").reply(Replies.status(503, "{}"));
        Scrape before = Scrape.now();
        openai(ProxyProfile.KEY).body(CHAT).post("/v1/chat/completions").then().statusCode(502);
        Scrape after = Scrape.now();

        assertThat(after.value("sluice_retries_total", "reason", "http_503")
                - before.value("sluice_retries_total", "reason", "http_503")).isEqualTo(1);
        String[] failed = {"model", "chat", "status", "502", "code", "backend_http_error", "origin", "router"};
        assertThat(after.value("sluice_requests_total", failed) - before.value("sluice_requests_total", failed)).isEqualTo(1);
    }

    @Test
    void exposesCircuitStatesAndSubMillisecondBuckets() {
        Scrape scrape = Scrape.now();
        assertThat(scrape.has("sluice_circuit_state", "backend", "a", "model", "chat")).isTrue();
        assertThat(scrape.value("sluice_circuit_state", "backend", "a", "model", "chat")).isZero();
        assertThat(scrape.text()).contains("sluice_overhead_seconds_bucket{le=\"5.0E-5\"}")
                .contains("sluice_overhead_seconds_bucket{le=\"2.5E-4\"}");
        assertThat(scrape.value("sluice_limit_store_degraded")).isZero();
        assertThat(scrape.has("sluice_limit_store_errors_total")).isTrue();
    }
}
