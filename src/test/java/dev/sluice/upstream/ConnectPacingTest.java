package dev.sluice.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.Concurrent;
import dev.sluice.testing.FullListenQueueResource;
import dev.sluice.testing.ProxyProfile;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.Scrape;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * {@code sluice.upstream.max-connecting} through the proxy, against backends whose connects hang (their listen queue
 * is full, as a burst leaves it): requests beyond the limit wait for a turn, fail as connect errors when nothing opens,
 * and a client that leaves while waiting, or while its connect hangs, frees its slot at once.
 */
@QuarkusTest
@TestProfile(ConnectPacingTest.Profile.class)
class ConnectPacingTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(FullListenQueueResource.of("hole", "deep"));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>();
            config.put("sluice.keys[0].key", ProxyProfile.KEY);
            config.put("sluice.keys[0].account", "acme");
            config.put("sluice.accounts.acme.concurrency", "100");
            config.put("sluice.accounts.acme.requests-per-window", "100000");
            config.put("sluice.upstream.max-connecting", "2");
            config.put("sluice.shutdown-grace", "1s");
            config.put("sluice.models.unreachable.backends[0].name", "hole");
            config.put("sluice.models.unreachable.backends[0].url", FullListenQueueResource.url("hole"));
            config.put("sluice.models.unreachable.upstream.connect-timeout", "600ms");
            config.put("sluice.models.patient.backends[0].name", "deep");
            config.put("sluice.models.patient.backends[0].url", FullListenQueueResource.url("deep"));
            config.put("sluice.models.patient.upstream.connect-timeout", "3s");
            return config;
        }
    }

    private static String chat(String model) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    @Test
    void requestsBeyondTheLimitWaitForATurnAndFailAsConnectErrorsWhenNothingOpens() throws Exception {
        double before = Scrape.now().value("sluice_upstream_connect_waits_total", "backend", "hole");
        long start = System.nanoTime();

        List<Concurrent.Answer> answers = Concurrent.post(RestAssured.port, 5, "/v1/chat/completions",
                ProxyProfile.KEY, chat("unreachable"));

        // two asked for connections that never opened; three waited for a turn, and failed when nothing opened
        // within their 600 ms connect timeout
        assertThat(answers).allSatisfy(answer -> {
            assertThat(answer.status()).isEqualTo(502);
            JsonObject error = new JsonObject(answer.body()).getJsonObject("error");
            assertThat(error.getString("type")).isEqualTo("server_error");
            assertThat(error.getString("code")).isEqualTo("backend_connect_error");
            assertThat(error.getJsonArray("attempts")).hasSize(1);
            assertThat(error.getJsonArray("attempts").getJsonObject(0).getString("code"))
                    .isEqualTo("backend_connect_error");
        });
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(600L, 5_000L);
        assertThat(Scrape.now().value("sluice_upstream_connect_waits_total", "backend", "hole") - before)
                .isEqualTo(3);
    }

    @Test
    void aClientThatLeavesWhileItsRequestWaitsForATurnOrConnectsFreesItsSlotAtOnce() throws Exception {
        double inFlight = inFlight();
        double waits = Scrape.now().value("sluice_upstream_connect_waits_total", "backend", "deep");
        // two requests hold both turns, their connects hanging for up to 3 s
        RawHttp first = send(chat("patient"));
        RawHttp second = send(chat("patient"));
        within(2_000, () -> inFlight() == inFlight + 2);
        // a third waits for a turn
        RawHttp third = send(chat("patient"));
        within(2_000, () -> Scrape.now().value("sluice_upstream_connect_waits_total", "backend", "deep") == waits + 1);
        assertThat(inFlight()).isEqualTo(inFlight + 3);

        // when its client leaves
        long left = System.nanoTime();
        third.close();

        // then its slot is free long before any connect timeout
        within(1_000, () -> inFlight() == inFlight + 2);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - left)).isLessThan(1_000);

        // and so is the slot of a client that leaves while its request's connect hangs (contract §6.4: at once, not
        // when the 3 s connect timeout ends the connect)
        left = System.nanoTime();
        first.close();
        within(1_000, () -> inFlight() == inFlight + 1);
        second.close();
        within(1_000, () -> inFlight() == inFlight);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - left)).isLessThan(2_000);
    }

    @Test
    void aRequestWhoseClientLeftBeforeItWasSentIsTakenBackOutOfTheQuota() throws Exception {
        // given: a request admitted (counted in the quota) whose connect hangs (for up to its 600 ms connect timeout)
        double inFlight = inFlight();
        long usedBefore = quotaUsed();
        RawHttp leaving = send(chat("unreachable"));
        within(2_000, () -> inFlight() == inFlight + 1);
        assertThat(quotaUsed()).isEqualTo(usedBefore + 1);

        // when its client leaves before any backend got the request
        leaving.close();
        within(1_000, () -> inFlight() == inFlight);

        // then it consumed nothing, as a request no backend took (README: it counts when a backend took it)
        within(1_000, () -> quotaUsed() == usedBefore);
        // the abandoned connect keeps its turn until its timeout: the other tests count turns
        Thread.sleep(700);
    }

    private static long quotaUsed() {
        return RestAssured.given().header("authorization", "Bearer " + ProxyProfile.KEY).get("/v1/usage")
                .then().statusCode(200).extract().jsonPath().getLong("quota.used");
    }

    private static double inFlight() {
        return Scrape.now().value("sluice_inflight", "account", "acme");
    }

    private static RawHttp send(String body) {
        return RawHttp.connect(RestAssured.port).send("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
                + "Authorization: Bearer " + ProxyProfile.KEY + "\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length() + "\r\n\r\n" + body);
    }

    private static void within(long millis, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within %d ms", millis).isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
