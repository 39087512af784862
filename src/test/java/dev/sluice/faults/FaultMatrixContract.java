package dev.sluice.faults;

import static dev.sluice.testing.Api.openai;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.control.ControlPlane;
import dev.sluice.faults.FaultMatrix.Cell;
import dev.sluice.faults.FaultMatrix.Counters;
import dev.sluice.faults.FaultMatrix.Expected;
import dev.sluice.faults.FaultMatrix.Fault;
import dev.sluice.faults.FaultMatrix.StoreBreak;
import dev.sluice.limits.Credits;
import dev.sluice.pipeline.InFlight;
import dev.sluice.routing.Backend;
import dev.sluice.testing.Backends;
import dev.sluice.testing.ErrorLog;
import dev.sluice.testing.FixedWindows;
import dev.sluice.testing.InjectBackends;
import dev.sluice.testing.Scrape;
import dev.sluice.testing.TestBackend;
import io.quarkus.test.common.http.TestHTTPResource;
import io.restassured.path.json.JsonPath;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fault matrix (issue 11) against one limit store: every cell of {@link FaultMatrix} sends one request through
 * the proxy while a backend, the client or Redis fails as the cell says, then checks that
 * <ul>
 * <li>the client got exactly the answer the contract gives (status, {@code x-request-id}, the envelope's
 * {@code type}, {@code code}, {@code origin} and code-specific fields, or a 200 cut or ended by the §6.4 error
 * event);</li>
 * <li>nothing is left in flight: not in the proxy ({@link InFlight}), not on a backend's in-flight count, not in
 * {@code sluice_inflight{account}}, not in the account's concurrency count;</li>
 * <li>the account's counters moved exactly as §4.2 says: the request counted once in the quota (an admitted request
 * is counted whatever its backend did; a refused one is not, nor one no backend could be connected to), its credit
 * reservation settled to its usage, to
 * the estimate, or given back, with nothing left reserved;</li>
 * <li>{@code sluice_requests_total}, {@code sluice_retries_total}, {@code sluice_limit_decisions_total} and
 * {@code sluice_limit_store_errors_total} moved by exactly this request;</li>
 * <li>a backend the proxy gave up on (timeout, client gone) saw its connection closed;</li>
 * <li>no line was logged at ERROR.</li>
 * </ul>
 * Each store's test class gives the cells ({@code static Stream<Cell> cells()}) and, for Redis, breaks and repairs
 * the store.
 */
abstract class FaultMatrixContract {

    @InjectBackends
    Backends backends;

    @Inject
    InFlight inFlight;

    @Inject
    ControlPlane control;

    @TestHTTPResource("/")
    URL proxy;

    /** The account's counters as {@code GET /v1/usage} reports them. */
    record Ledger(long inFlight, long quotaUsed, String windowEnd, long creditsMicros) {

        static Ledger read(Cell cell) {
            JsonPath usage = openai(cell.key()).get("/v1/usage").then().statusCode(200).extract().jsonPath();
            return new Ledger(usage.getLong("concurrency.in_flight"), usage.getLong("quota.used"),
                    usage.getString("quota.window_end"), Credits.toMicros(usage.getDouble("credits.available")));
        }
    }

    /** Breaks the limit store as the cell's Redis fault says; nothing for the other faults. */
    void breakStore(Cell cell) {
        throw new UnsupportedOperationException("only the Redis store can be broken: " + cell);
    }

    /** Puts the limit store back (Redis answering, the proxy back on it); nothing to do for the local store. */
    void repairStore() {
    }

    @BeforeEach
    void freshBackends() {
        backends.resetAll();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cells")
    void cell(Cell cell) throws Exception {
        Fault fault = cell.fault();
        Expected expected = cell.expected();
        String requestId = "req_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()).substring(4);
        CompletableFuture<Void> released = new CompletableFuture<>();
        try (ErrorLog errors = ErrorLog.open()) {
            // given: the counters are read before and after in one quota window (the accounts' is 1 h)
            FixedWindows.awayFromTheEnd(Duration.ofHours(1), Duration.ofSeconds(20));
            fault.prepare(backends, cell.body(), released);
            Scrape metricsBefore = Scrape.now();
            if (fault.storeBreak() == StoreBreak.BEFORE_COUNTERS) {
                breakStore(cell);
            }
            Ledger before = Ledger.read(cell);
            if (fault.storeBreak() == StoreBreak.BEFORE_REQUEST) {
                breakStore(cell);
            }

            // when
            long start = System.nanoTime();
            MatrixClient.Answer answer = MatrixClient.send(proxy, cell, requestId, backends,
                    fault.storeBreak() != StoreBreak.MID_REQUEST ? null : () -> {
                        breakStore(cell);
                        released.complete(null);
                    });
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            if (fault.storeBreak() != StoreBreak.BEFORE_COUNTERS) {
                // the counters are read where they went: from Redis once it is back
                repairStore();
            }

            // then: the client's answer
            assertAnswer(cell, answer, requestId);
            assertThat(millis).as("milliseconds the client waited for its answer").isLessThan(expected.maxMillis);
            // nothing in flight, the backends told when the proxy gave them up
            Scrape metricsAfter = awaitNothingInFlight(cell.account());
            assertBackends(expected);
            // the counters
            Ledger after = awaitLedger(cell, before);
            assertLedger(before, after, expected);
            if (fault.storeBreak() == StoreBreak.BEFORE_COUNTERS) {
                repairStore();
            }
            assertMetrics(cell, metricsBefore, metricsAfter);
            // the log
            if (expected.knownRedisClientError) {
                // ===================================================================================================
                // ISSUE 11, BUG 5: when Redis is killed, the Redis client logged "Unhandled Error ... Connection
                // reset" at ERROR (RedisConnectionManager), intermittently. Fixed in main by beeec33 (the client's
                // categories are off; the store reports the outage once at WARN); the AssertionError the client's
                // own "assert !closed" threw with it in tests is gone since the tests run that client without its
                // assertions, as production does (pom.xml, surefire argLine). Should this fail, that is back.
                // ===================================================================================================
                assertThat(errors.lines()).as("ERROR lines while Redis was killed (issue 11, bug 5)").isEmpty();
            } else {
                assertThat(errors.lines()).as("ERROR lines").isEmpty();
            }
        } finally {
            released.complete(null);
        }
    }

    private static void assertAnswer(Cell cell, MatrixClient.Answer answer, String requestId) {
        Expected expected = cell.expected();
        if (expected.status == 0) {
            assertThat(answer.status()).as("the client left before any answer").isZero();
            return;
        }
        assertThat(answer.status()).as("status; body: %s", answer.body()).isEqualTo(expected.status);
        assertThat(answer.header("x-request-id")).as("x-request-id").isEqualTo(requestId);
        switch (expected.ending) {
            case COMPLETE -> {
                assertThat(answer.broken()).as("the answer broke off").isNull();
                assertThat(answer.ended()).as("the answer ended").isTrue();
                if (expected.code == null) {
                    assertThat(answer.body()).isEqualTo(expected.body);
                } else {
                    assertThat(answer.header("content-type")).startsWith("application/json");
                    assertEnvelope(cell, new JsonObject(answer.body()).getJsonObject("error"), requestId);
                    if (expected.retryAfter != null) {
                        assertThat(answer.header("retry-after")).isEqualTo(expected.retryAfter);
                    }
                }
            }
            case CUT -> {
                // a body with a length cannot carry an error: the connection is cut under it
                assertThat(answer.header("content-type")).startsWith("application/json");
                assertThat(answer.ended()).as("a cut answer must not end normally").isFalse();
                assertThat(answer.broken()).as("the connection closed under the body").isNotNull();
                assertThat(answer.body()).as("what was relayed before the cut").isEqualTo(expected.body);
                assertThat(answer.body().length()).isLessThan(Integer.parseInt(answer.header("content-length")));
            }
            case ERROR_EVENT -> {
                assertThat(answer.header("content-type")).startsWith("text/event-stream");
                assertThat(answer.broken()).as("the stream broke off instead of ending").isNull();
                assertThat(answer.ended()).isTrue();
                String body = answer.body();
                String marker = "event: error\ndata: ";
                int at = body.indexOf(marker);
                assertThat(at).as("one error event in %s", body).isNotNegative();
                assertThat(body.substring(0, at)).as("what was relayed before the error event").isEqualTo(expected.body);
                assertThat(body.indexOf("event: error", at + 1)).as("a second error event").isEqualTo(-1);
                assertThat(body).endsWith("\n\n");
                JsonObject error = new JsonObject(body.substring(at + marker.length()).trim()).getJsonObject("error");
                assertThat(error.getString("type")).isEqualTo("server_error");
                assertThat(error.getString("code")).isEqualTo("backend_stream_error");
                assertThat(error.getString("origin")).isEqualTo("router");
                assertThat(error.getString("model")).isEqualTo(cell.fault().model());
                assertThat(error.getString("request_id")).isEqualTo(requestId);
            }
            case ABANDONED -> {
                // the client left: nothing more to read, but what it read when it left with the whole answer
                if (expected.body != null) {
                    assertThat(answer.body()).as("what the client read before it left").isEqualTo(expected.body);
                }
            }
            default -> throw new IllegalStateException(expected.ending.name());
        }
    }

    private static void assertEnvelope(Cell cell, JsonObject error, String requestId) {
        Expected expected = cell.expected();
        assertThat(error.getString("type")).isEqualTo(expected.type);
        assertThat(error.getString("code")).isEqualTo(expected.code);
        assertThat(error.getString("origin")).isEqualTo(expected.origin);
        assertThat(error.getString("request_id")).isEqualTo(requestId);
        assertThat(error.getString("message")).isNotBlank();
        assertThat(error.containsKey("param")).as("param is always there (null when none)").isTrue();
        if ("rate_limit_exceeded".equals(expected.code)) {
            assertThat(error.getString("limit")).isEqualTo("provider");
            return;
        }
        assertThat(error.getString("model")).isEqualTo(cell.fault().model());
        JsonArray attempts = error.getJsonArray("attempts");
        assertThat(attempts).hasSize(expected.attempts);
        java.util.Set<String> tried = new java.util.HashSet<>();
        for (int i = 0; i < attempts.size(); i++) {
            JsonObject attempt = attempts.getJsonObject(i);
            assertThat(attempt.getString("model")).as("attempts[%d].model", i).isEqualTo(cell.fault().model());
            // each retry goes to a backend not yet tried (§6.3)
            assertThat(tried.add(attempt.getString("backend"))).as("attempts[%d].backend tried twice", i).isTrue();
            assertThat(attempt.getString("code")).as("attempts[%d].code", i).isEqualTo(expected.attemptCode);
            // a status only when the backend answered (§3.1): its error status, or the 200 it sent before it stalled
            assertThat(attempt.getInteger("status")).as("attempts[%d].status", i).isEqualTo(
                    expected.attemptCode.startsWith("http_") ? Integer.valueOf(expected.attemptCode.substring(5))
                            : expected.attemptStatus);
            assertThat(attempt.getLong("duration_ms")).as("attempts[%d].duration_ms", i).isNotNegative();
        }
        if (expected.upstreamStatus != null) {
            assertThat(error.getInteger("upstream_status")).isEqualTo(expected.upstreamStatus);
        } else {
            assertThat(error.containsKey("upstream_status")).isFalse();
        }
    }

    /**
     * Waits (up to 5 s) until no request is in flight anywhere: in the proxy, on a backend, in the gauge. Answers the
     * last scrape of the metrics: a request leaves the gauge once its metrics are recorded.
     */
    Scrape awaitNothingInFlight(String account) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline && !proxyIdle()) {
            TimeUnit.MILLISECONDS.sleep(5);
        }
        Scrape metrics = Scrape.now();
        while (System.nanoTime() < deadline && metrics.value("sluice_inflight", "account", account) != 0) {
            TimeUnit.MILLISECONDS.sleep(5);
            metrics = Scrape.now();
        }
        assertThat(inFlight.count()).as("exchanges in flight in the proxy").isZero();
        for (Backend backend : control.generation().catalog().backends()) {
            assertThat(backend.inFlight()).as("requests in flight on backend %s", backend.name()).isZero();
        }
        assertThat(metrics.has("sluice_inflight", "account", account)).as("sluice_inflight{account=%s}", account).isTrue();
        assertThat(metrics.value("sluice_inflight", "account", account)).as("sluice_inflight{account=%s}", account)
                .isZero();
        return metrics;
    }

    private boolean proxyIdle() {
        if (inFlight.count() != 0) {
            return false;
        }
        for (Backend backend : control.generation().catalog().backends()) {
            if (backend.inFlight() != 0) {
                return false;
            }
        }
        return true;
    }

    private void assertBackends(Expected expected) throws InterruptedException {
        int received = 0;
        for (String name : FaultMatrix.BACKENDS) {
            received += backends.get(name).requestCount();
        }
        assertThat(received).as("requests the backends received").isEqualTo(expected.backendRequests);
        if (expected.upstreamCancelled) {
            for (String name : FaultMatrix.BACKENDS) {
                for (TestBackend.Received request : backends.get(name).received()) {
                    assertThat(request.awaitClosedUnanswered(Duration.ofSeconds(2)))
                            .as("the proxy closed backend %s's request when it gave it up", name).isTrue();
                }
            }
        }
    }

    /** Reads the counters until they are what the cell expects (a resent release lands within 0.5 s), up to 3 s. */
    private static Ledger awaitLedger(Cell cell, Ledger before) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        Ledger after = Ledger.read(cell);
        while (!expectedLedger(before, after, cell.expected()) && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(50);
            after = Ledger.read(cell);
        }
        return after;
    }

    private static boolean expectedLedger(Ledger before, Ledger after, Expected expected) {
        try {
            assertLedger(before, after, expected);
            return true;
        } catch (AssertionError notYet) {
            return false;
        }
    }

    private static void assertLedger(Ledger before, Ledger after, Expected expected) {
        assertThat(after.inFlight()).as("the account's requests in flight").isZero();
        if (expected.counters == Counters.LOST) {
            return;
        }
        assertThat(after.windowEnd()).as("the quota window the counters were read in").isEqualTo(before.windowEnd());
        long quotaBase = before.quotaUsed();
        if (expected.counters == Counters.UNCOUNTED) {
            assertThat(after.quotaUsed()).as("quota used: a request no backend took is taken back").isEqualTo(quotaBase);
            assertThat(after.creditsMicros()).as("credits of a request no backend took").isEqualTo(before.creditsMicros());
            return;
        }
        if (expected.counters == Counters.TAKEN_BACK) {
            assertThat(after.quotaUsed()).as("Redis' quota after the late admission was taken back").isEqualTo(quotaBase);
            assertThat(after.creditsMicros()).as("Redis' credits after the late admission was taken back")
                    .isEqualTo(before.creditsMicros());
            return;
        }
        assertThat(after.quotaUsed()).as("quota used: the admitted request counts once").isEqualTo(quotaBase + 1);
        assertThat(before.creditsMicros() - after.creditsMicros()).as("credits spent (micro-credits), settled %s",
                expected.settle).isEqualTo(expected.settle.micros());
    }

    private static void assertMetrics(Cell cell, Scrape before, Scrape after) {
        Expected expected = cell.expected();
        String model = cell.fault().model();
        assertThat(delta(before, after, "sluice_requests_total", "model", model))
                .as("sluice_requests_total{model=%s}", model).isEqualTo(1);
        assertThat(delta(before, after, "sluice_requests_total", "model", model,
                "status", Integer.toString(expected.metricStatus), "code", expected.metricCode,
                "origin", expected.metricOrigin))
                .as("sluice_requests_total{status=%s,code=%s,origin=%s}", expected.metricStatus, expected.metricCode,
                        expected.metricOrigin).isEqualTo(1);
        assertThat(delta(before, after, "sluice_retries_total")).as("sluice_retries_total").isEqualTo(expected.retries);
        if (expected.retryReason != null) {
            assertThat(delta(before, after, "sluice_retries_total", "reason", expected.retryReason))
                    .as("sluice_retries_total{reason=%s}", expected.retryReason).isEqualTo(expected.retries);
        }
        assertThat(delta(before, after, "sluice_limit_decisions_total", "limit", "none", "decision", "admitted"))
                .as("admissions").isEqualTo(1);
        assertThat(delta(before, after, "sluice_limit_decisions_total")).as("every decision").isEqualTo(1);
        double storeErrors = delta(before, after, "sluice_limit_store_errors_total");
        if (expected.storeErrors) {
            assertThat(storeErrors).as("sluice_limit_store_errors_total").isPositive();
        } else {
            assertThat(storeErrors).as("sluice_limit_store_errors_total").isZero();
        }
    }

    private static double delta(Scrape before, Scrape after, String name, String... labels) {
        return after.value(name, labels) - before.value(name, labels);
    }
}
