package dev.sluice.routing;

import static dev.sluice.testing.Api.anthropic;
import static dev.sluice.testing.Api.openai;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import dev.sluice.testing.Backends;
import dev.sluice.testing.InjectBackends;
import dev.sluice.testing.ProxyProfile;
import dev.sluice.testing.Replies;
import dev.sluice.testing.Scrape;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Automatic model choice through the HTTP API (contract §6.7). The key {@link ProxyProfile#AUTO_KEY} reaches three
 * candidates: auto-free (free, 100-token window), auto-small (0.2 per 1k, 200) and auto-big (1.0 per 1k, 900,
 * logit_bias unsupported), each with a default answer budget of 16 tokens.
 */
@QuarkusTest
@TestProfile(ProxyProfile.class)
class AutoChoiceEndToEndTest {

    private static final String AUTO = "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @InjectBackends
    Backends backends;

    @Inject
    dev.sluice.control.ControlPlane control;

    @BeforeEach
    void reset() {
        backends.resetAll();
    }

    int candidateRequests() {
        return backends.get("aa").requestCount() + backends.get("ab").requestCount()
                + backends.get("ac").requestCount();
    }

    @Test
    void theCheapestModelThatFitsServesAndIsNamedAndCounted() {
        // given
        double counted = Scrape.now().value("sluice_requests_total", "model", "auto-free", "code", "ok");

        // when / then
        openai(ProxyProfile.AUTO_KEY).body(AUTO).post("/v1/chat/completions")
                .then().statusCode(200).header("x-sluice-model", "auto-free").body("id", equalTo("chatcmpl-1"));
        // the body goes up with the chosen model's name in place of "auto", and nothing else changed
        assertThat(backends.get("aa").last().bodyText()).isEqualTo(AUTO.replace("\"auto\"", "\"auto-free\""));
        assertThat(Scrape.now().value("sluice_requests_total", "model", "auto-free", "code", "ok"))
                .isEqualTo(counted + 1);
    }

    @Test
    void anEmptyModelChoosesTooOnMessages() {
        anthropic(ProxyProfile.AUTO_ANTHROPIC_KEY)
                .body("{\"model\":\"\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .post("/v1/messages")
                .then().statusCode(200).header("x-sluice-model", "auto-claude");
        assertThat(backends.get("ad").last().bodyText()).startsWith("{\"model\":\"auto-claude\",");
    }

    @Test
    void aServerToolLeavesOutTheCandidatesWhoseProtocolCannotCarryIt() {
        // given: a key reaching every auto model, and a request with a tool that only Anthropic runs; the OpenAI
        // candidates are cheaper, and their translation would refuse the tool (unsupported_tool_type)
        backends.get("ad").reply(Replies.json(200, Replies.ANTHROPIC_MESSAGE));

        anthropic(ProxyProfile.KEY).body("{\"model\":\"auto\",\"max_tokens\":8,\"tools\":[{\"type\":"
                + "\"web_search_20250305\",\"name\":\"web_search\"}],\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .post("/v1/messages")
                .then().statusCode(200).header("x-sluice-model", "auto-claude").body("type", equalTo("message"));
        assertThat(candidateRequests()).isZero();
    }

    @Test
    void theOtherCandidatesAreTheFallbacksInOrderAndTheAnswerSettlesAtItsPrice() throws Exception {
        // given: the cheapest fails
        backends.get("aa").reply(Replies.status(503, "{}"));
        double before = credits();

        // when / then: the next cheapest answers and names itself
        openai(ProxyProfile.AUTO_KEY).body(AUTO).post("/v1/chat/completions")
                .then().statusCode(200).header("x-sluice-model", "auto-small");
        assertThat(backends.get("aa").requestCount()).isEqualTo(1);
        assertThat(backends.get("ac").requestCount()).isZero();
        // 5 + 7 tokens at 0.1 per 1k each way
        assertThat(credits()).isEqualTo(Math.round((before - 0.0012) * 1_000_000) / 1_000_000.0);
    }

    @Test
    void whenEveryCandidateFailsTheErrorNamesTheModelTheClientAskedFor() {
        // given: every candidate's backend fails
        backends.get("aa").reply(Replies.status(503, "{}"));
        backends.get("ab").reply(Replies.status(503, "{}"));
        backends.get("ac").reply(Replies.status(503, "{}"));

        // when / then: "model" is what the client sent (contract §3.1), the attempts say which candidates failed
        openai(ProxyProfile.AUTO_KEY).body(AUTO).post("/v1/chat/completions")
                .then().statusCode(502)
                .body("error.code", equalTo("backend_http_error"))
                .body("error.model", equalTo("auto"))
                .body("error.message", equalTo("The backend for model 'auto' failed with HTTP 503."))
                .body("error.attempts.backend", hasItems("aa", "ab"));
    }

    @Test
    void nothingLeftIsModelRouterErrorNamingEveryCandidatesReason() {
        // given: a prompt of about 150 tokens (too long for auto-free), auto-small's only backend down, and a
        // parameter auto-big does not support
        String longPrompt = "x".repeat(600);
        String body = "{\"model\":\"auto\",\"max_tokens\":16,\"logit_bias\":{\"50256\":-100},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"" + longPrompt + "\"}]}";
        control.generation().catalog().model("auto-small").backends().forEach(backend -> backend.healthy(false));
        try {
            // when / then
            openai(ProxyProfile.AUTO_KEY).body(body).post("/v1/chat/completions")
                    .then().statusCode(503).contentType("application/json")
                    .body("error.type", equalTo("routing_error"))
                    .body("error.code", equalTo("model_router_error"))
                    .body("error.origin", equalTo("router"))
                    .body("error.filtered.model", contains("auto-big", "auto-free", "auto-small"))
                    .body("error.filtered.reason", contains("unsupported_parameter", "context_window", "unhealthy"))
                    // one candidate may come back up: worth a retry
                    .header("x-should-retry", "true");
        } finally {
            control.generation().catalog().model("auto-small").backends().forEach(backend -> backend.healthy(true));
        }
        assertThat(candidateRequests()).isZero();
    }

    @Test
    void aKeyWithoutAutoModelsGetsAnEmptyFilteredList() {
        openai(ProxyProfile.LIMITED_KEY).body(AUTO).post("/v1/chat/completions")
                .then().statusCode(503).body("error.code", equalTo("model_router_error"))
                .body("error.filtered", empty()).header("x-should-retry", "false");
    }

    @Test
    void otherEndpointsDoNotChoose() {
        openai(ProxyProfile.AUTO_KEY).body("{\"model\":\"auto\",\"prompt\":\"hi\"}").post("/v1/completions")
                .then().statusCode(404).body("error.code", equalTo("model_not_found"));
        assertThat(candidateRequests()).isZero();
    }

    static double credits() throws InterruptedException {
        Thread.sleep(350); // stay under the control-plane rate (3/s)
        return openai(ProxyProfile.AUTO_KEY).get("/v1/usage").then().statusCode(200).extract().jsonPath()
                .getDouble("credits.available");
    }
}
