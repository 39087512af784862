package dev.sluice.it;

import static dev.sluice.testing.Api.anthropic;
import static dev.sluice.testing.Api.openai;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.sluice.testing.Backends;
import dev.sluice.testing.ClientMix;
import dev.sluice.testing.InjectBackends;
import dev.sluice.testing.PackagedProxyResource;
import dev.sluice.testing.Replies;
import dev.sluice.testing.TestBackend;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.RestAssured;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The request path of the packaged jar, started by Quarkus' integration-test launcher: a chat completion and a stream
 * through a real backend, the same for an Anthropic client (translated), a refused key, the 404s, readiness.
 *
 * <p>This is the build's only {@code @QuarkusIntegrationTest}, and it has no test profile on purpose: with
 * {@code -Paot} (JDK 25) the launcher runs the jar as the AOT cache's training run ({@code -XX:AOTMode=record}, only
 * for tests without a profile) and writes {@code target/quarkus-app/app.aot} when it stops it. What these tests send
 * is what the cache learns; the other {@code *IT}s start the jar themselves ({@code SluiceProcess}) and train nothing.
 * The JVM keeps, beside the classes, the profiles of the methods that ran often enough: {@link
 * #answersEveryRequestOfAMixOfClients} gives the request path's methods theirs (about 400 of Sluice's, 1,000 of
 * Netty's, 600 of Vert.x's, against 6, 96 and 10 with the other tests alone).
 */
@QuarkusIntegrationTest
@WithTestResource(PackagedProxyResource.class)
class PackagedRequestPathIT {

    // bodies as SDKs send them (a system message, numbers, stream options): with -Paot, what this run parses is what
    // the cache has ready
    static final String CHAT = "{\"model\":\"chat\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
            + "{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":64,\"temperature\":0.7}";
    static final String STREAM = "{\"model\":\"chat\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":64}";
    static final String MESSAGES = "{\"model\":\"chat\",\"max_tokens\":64,\"system\":\"Be brief.\","
            + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}]%s}";

    @InjectBackends
    Backends backends;

    @BeforeEach
    void reset() {
        backends.resetAll();
    }

    @Test
    void answersAChatCompletionFromItsBackend() {
        openai(PackagedProxyResource.KEY).body(CHAT).post("/v1/chat/completions")
                .then().statusCode(200).body("id", equalTo("chatcmpl-1"));

        assertThat(backends.get(PackagedProxyResource.BACKEND).last().uri()).isEqualTo("/v1/chat/completions");
    }

    @Test
    void relaysAStreamToItsEnd() {
        // given
        backends.get(PackagedProxyResource.BACKEND).reply(Replies.sse(3, 5));

        // when
        String events = openai(PackagedProxyResource.KEY).body(STREAM).post("/v1/chat/completions")
                .then().statusCode(200).contentType("text/event-stream").extract().asString();

        // then
        assertThat(events).contains("chat.completion.chunk").endsWith("data: [DONE]\n\n");
    }

    @Test
    void answersAnAnthropicClientFromItsOpenAiBackend() {
        // given
        backends.get(PackagedProxyResource.BACKEND).reply(Replies.saying(false, "hello"));

        // when
        anthropic(PackagedProxyResource.KEY).body(MESSAGES.formatted("")).post("/v1/messages")
                // then
                .then().statusCode(200)
                .header("x-sluice-translated", "anthropic-to-openai")
                .body("type", equalTo("message"))
                .body("content[0].text", equalTo("hello"))
                .body("stop_reason", equalTo("end_turn"));
        assertThat(backends.get(PackagedProxyResource.BACKEND).last().uri()).isEqualTo("/v1/chat/completions");
    }

    @Test
    void translatesAStreamForAnAnthropicClient() {
        // given
        backends.get(PackagedProxyResource.BACKEND).reply(Replies.saying(true, "hello"));

        // when
        String events = anthropic(PackagedProxyResource.KEY).body(MESSAGES.formatted(",\"stream\":true"))
                .post("/v1/messages")
                .then().statusCode(200).contentType("text/event-stream")
                .header("x-sluice-translated", "anthropic-to-openai").extract().asString();

        // then
        assertThat(events).startsWith("event: message_start\n").contains("\"text\":\"hello\"")
                .endsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    }

    /**
     * Thousands of requests, sixteen at a time, from every kind of client in turn (a load generator's bare headers, the
     * SDKs', curl's; both protocols, JSON and streams): every one answered whole, every one reaching the backend.
     *
     * <p>With {@code -Paot} this is also the training's load, so that the cache holds the request path's profiles.
     * They did not shorten the slow first seconds of a new client's load (bench/RESULTS.md, 2026-12-04 16:42).
     */
    @Test
    void answersEveryRequestOfAMixOfClients() throws Exception {
        // given
        TestBackend backend = backends.get(PackagedProxyResource.BACKEND);
        backend.reply(ClientMix.backendReply());
        int total = 700 * ClientMix.KINDS.size();

        // when
        List<String> failures = ClientMix.send(RestAssured.port, PackagedProxyResource.KEY, total, 16, 120);

        // then
        assertThat(failures).isEmpty();
        assertThat(backend.requestCount()).isEqualTo(total);
    }

    @Test
    void refusesAKeyItDoesNotKnow() {
        openai("sk-nobody").body(CHAT).post("/v1/chat/completions")
                .then().statusCode(401).body("error.type", equalTo("authentication_error"));

        assertThat(backends.get(PackagedProxyResource.BACKEND).requestCount()).isZero();
    }

    @Test
    void answersNotFoundForAModelOrAPathItDoesNotServe() {
        openai(PackagedProxyResource.KEY).body(CHAT.replace("\"chat\"", "\"nothing\"")).post("/v1/chat/completions")
                .then().statusCode(404).body("error.code", equalTo("model_not_found"));
        openai(PackagedProxyResource.KEY).get("/v1/nothing")
                .then().statusCode(404).body("error.code", equalTo("not_found"));
    }

    @Test
    void isReadyOnItsManagementPort() {
        RestAssured.given().port(PackagedProxyResource.managementPort()).get("/q/health/ready")
                .then().statusCode(200).body("status", equalTo("UP"));
    }
}
