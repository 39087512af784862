package dev.sluice.upstream;

import static dev.sluice.testing.Api.openai;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import dev.sluice.testing.Backends;
import dev.sluice.testing.HealthCheckProfile;
import dev.sluice.testing.InjectBackends;
import dev.sluice.testing.Management;
import dev.sluice.testing.ProxyProfile;
import dev.sluice.testing.Replies;
import dev.sluice.testing.Scrape;
import dev.sluice.testing.TestBackend;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Active health checks (contract §6.1): a backend its check marks down is skipped until the check passes again. */
@QuarkusTest
@TestProfile(HealthCheckProfile.class)
class HealthCheckTest {

    @InjectBackends
    Backends backends;

    @BeforeEach
    @AfterEach
    void healthyAgain() throws Exception {
        for (String name : List.of("h1", "h2", "h3", "h4", "h5")) {
            backends.get(name).reset();
        }
        within5s(() -> "up".equals(health("checked", "h1")) && "up".equals(health("checked", "h2"))
                && "up".equals(health("lonely", "h3")));
    }

    /** Answers GET /health (or /base/health) with {@code health}, and every other request with a chat completion. */
    private static TestBackend.Reply withHealth(TestBackend.Reply health) {
        TestBackend.Reply chat = Replies.json(200, Replies.CHAT_COMPLETION);
        return (request, body, response) -> (request.path().endsWith("/health") ? health : chat)
                .answer(request, body, response);
    }

    private static int chat(String model) {
        return openai(ProxyProfile.KEY).body("{\"model\":\"" + model + "\",\"messages\":[]}")
                .post("/v1/chat/completions").statusCode();
    }

    private static long chatsReceived(TestBackend backend) {
        return backend.received().stream().filter(received -> received.uri().endsWith("/chat/completions")).count();
    }

    @Test
    void theCheckGoesToTheBackendsUrlWithItsKeyEveryInterval() throws Exception {
        backends.get("h1").awaitRequests(3, java.time.Duration.ofSeconds(5));

        List<TestBackend.Received> checks = backends.get("h1").received().stream()
                .filter(received -> received.uri().equals("/base/health")).toList();

        assertThat(checks).hasSizeGreaterThanOrEqualTo(3);
        assertThat(checks).allSatisfy(check -> {
            assertThat(check.method()).isEqualTo("GET");
            assertThat(check.header("authorization")).isEqualTo("Bearer bk-h1");
        });
        // about every 150 ms, not back to back
        long gapMillis = (checks.get(2).arrivedNanos() - checks.get(1).arrivedNanos()) / 1_000_000;
        assertThat(gapMillis).isBetween(100L, 1_000L);
    }

    @Test
    void anAnthropicBackendsCheckCarriesItsKeyAndTheApiVersion() throws Exception {
        backends.get("h5").awaitRequests(2, java.time.Duration.ofSeconds(5));

        // what Anthropic's API asks of every request, GET /v1/models included
        assertThat(backends.get("h5").received()).filteredOn(received -> received.uri().equals("/health"))
                .isNotEmpty().allSatisfy(check -> {
                    assertThat(check.header("x-api-key")).isEqualTo("bk-h5");
                    assertThat(check.header("anthropic-version")).isEqualTo("2023-06-01");
                    assertThat(check.header("authorization")).isNull();
                });
    }

    @Test
    void aBackendWhoseCheckFailsIsSkippedUntilItPassesAgain() throws Exception {
        // given h1's check answers 503
        backends.get("h1").reply(withHealth(Replies.status(503, "{}")));

        // when it failed twice in a row, h1 is down: h2 serves every request
        within5s(() -> "down".equals(health("checked", "h1")));
        assertThat(Scrape.now().value("sluice_backend_healthy", "backend", "h1", "model", "checked")).isZero();
        long before = chatsReceived(backends.get("h1"));
        for (int i = 0; i < 10; i++) {
            assertThat(chat("checked")).isEqualTo(200);
        }
        assertThat(chatsReceived(backends.get("h1"))).isEqualTo(before);
        assertThat(health("checked", "h2")).isEqualTo("up");

        // and once its check passes again, h1 serves again
        backends.get("h1").reply(withHealth(Replies.json(200, "{\"status\":\"ok\"}")));
        within5s(() -> "up".equals(health("checked", "h1")));
        assertThat(Scrape.now().value("sluice_backend_healthy", "backend", "h1", "model", "checked")).isEqualTo(1.0);
        within5s(() -> {
            chat("checked");
            return chatsReceived(backends.get("h1")) > before;
        });
    }

    @Test
    void aCheckUnansweredWithinItsTimeoutFailsAndAModelWithNoBackendUpFallsBack() throws Exception {
        // given h3's check never answers
        backends.get("h3").reply(withHealth(Replies.stall()));
        within5s(() -> "down".equals(health("lonely", "h3")));

        // then lonely's only backend is skipped: its fallback answers, and h3 is not tried
        long before = chatsReceived(backends.get("h3"));
        openai(ProxyProfile.KEY).body("{\"model\":\"lonely\",\"messages\":[]}").post("/v1/chat/completions")
                .then().statusCode(200).header("x-sluice-model", equalTo("refuge"));
        assertThat(chatsReceived(backends.get("h4"))).isEqualTo(1);
        // the model asked for answering itself says nothing more
        openai(ProxyProfile.KEY).body("{\"model\":\"refuge\",\"messages\":[]}").post("/v1/chat/completions")
                .then().statusCode(200).header("x-sluice-model", org.hamcrest.Matchers.nullValue());
        assertThat(chatsReceived(backends.get("h3"))).isEqualTo(before);
    }

    @Test
    void whenEveryBackendIsDownNothingIsTried() throws Exception {
        backends.get("h1").reply(withHealth(Replies.status(500, "{}")));
        backends.get("h2").reply(withHealth(Replies.reset()));
        within5s(() -> "down".equals(health("checked", "h1")) && "down".equals(health("checked", "h2")));

        openai(ProxyProfile.KEY).body("{\"model\":\"checked\",\"messages\":[]}").post("/v1/chat/completions")
                .then().statusCode(503)
                .body("error.code", equalTo("no_healthy_backends"))
                .body("error.attempts", hasSize(0));
        // readiness stays UP: the proxy answers, with the right error
        Management.given().get("/q/health/ready").then().statusCode(200);
    }

    private static String health(String model, String backend) {
        JsonPath ready = Management.given().get("/q/health/ready").jsonPath();
        return ready.getString("checks.find { it.name == 'backends' }.data['" + model + "/" + backend + " health-check']");
    }

    private static void within5s(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("not within 5 s").isLessThan(deadline);
            Thread.sleep(25);
        }
    }
}
