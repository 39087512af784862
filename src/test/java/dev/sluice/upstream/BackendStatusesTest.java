package dev.sluice.upstream;

import static dev.sluice.testing.Api.openai;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

import dev.sluice.testing.Api;
import dev.sluice.testing.Backends;
import dev.sluice.testing.ClientCalls;
import dev.sluice.testing.InjectBackends;
import dev.sluice.testing.ProxyProfile;
import dev.sluice.testing.Replies;
import dev.sluice.testing.TestBackend;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URL;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Backend statuses outside 2xx, 4xx and 5xx (contract §3, §6.3): an interim 1xx that Vert.x's client takes for the
 * final answer, a redirect, a 304 or 204 that a body follows anyway. None may reach the client as it came, and none
 * may leave the backend's connection in the pool with an answer still to come on it: the next request sent on it
 * would read that answer, another client's.
 */
@QuarkusTest
@TestProfile(ProxyProfile.class)
class BackendStatusesTest {

    @InjectBackends
    Backends backends;

    @TestHTTPResource("/")
    URL proxy;

    @BeforeEach
    void reset() {
        backends.resetAll();
    }

    /**
     * Two requests on one keep-alive connection to the proxy (so that the proxy serves both on one event loop, with
     * one pool of backend connections), the second {@code pauseMillis} after the first's answer.
     */
    private JsonObject[] twoInARow(String model, long pauseMillis) throws Exception {
        HttpClient client = TestBackend.vertx().createHttpClient(new HttpClientOptions().setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(1));
        try {
            JsonObject[] answers = new JsonObject[2];
            for (int i = 0; i < 2; i++) {
                RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(proxy.getHost())
                        .setPort(proxy.getPort()).setURI("/v1/chat/completions")
                        .putHeader("authorization", "Bearer " + ProxyProfile.KEY)
                        .putHeader("content-type", "application/json");
                ClientCalls.Answered answered = ClientCalls.read(client, options, Api.chat(model))
                        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                answers[i] = new JsonObject(answered.body()).put("status", answered.status());
                Thread.sleep(pauseMillis);
            }
            return answers;
        } finally {
            client.close();
        }
    }

    @Test
    void anInterimAnswerFailsTheAttemptAndItsConnectionServesNoOtherRequest() throws Exception {
        AtomicInteger turn = new AtomicInteger();
        // the final answer comes while the second request is on its way
        backends.get("f").reply(Replies.inTurn(turn, Replies.processingThen(500, "the first request's answer"),
                Replies.saying(false, "the second request's answer")));

        JsonObject[] answers = twoInARow("secondary", 0);

        JsonObject first = answers[0].getJsonObject("error");
        assertThat(answers[0].getInteger("status")).isEqualTo(502);
        assertThat(first.getString("code")).isEqualTo("invalid_provider_response");
        assertThat(first.getJsonArray("attempts")).hasSize(1);
        assertThat(first.getJsonArray("attempts").getJsonObject(0).getInteger("status")).isEqualTo(102);
        assertThat(answers[1].getInteger("status")).isEqualTo(200);
        assertThat(answers[1].encode()).contains("the second request's answer").doesNotContain("the first request's");
        assertThat(backends.get("f").requestCount()).isEqualTo(2);
    }

    @Test
    void aNotModifiedFollowedByBytesLeavesNothingForTheNextRequest() throws Exception {
        AtomicInteger turn = new AtomicInteger();
        String leftover = Replies.chatCompletionSaying("left over after the 304");
        backends.get("f").reply(Replies.inTurn(turn, (request, received, response) -> Replies.writeRaw(request,
                "HTTP/1.1 304 Not Modified\r\n\r\nHTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
                + leftover.length() + "\r\n\r\n" + leftover), Replies.saying(false, "the second request's answer")));

        JsonObject[] answers = twoInARow("secondary", 100);

        assertThat(answers[0].getInteger("status")).isEqualTo(502);
        assertThat(answers[0].getJsonObject("error").getString("code")).isEqualTo("backend_http_error");
        assertThat(answers[0].getJsonObject("error").getInteger("upstream_status")).isEqualTo(304);
        assertThat(answers[1].encode()).contains("the second request's answer").doesNotContain("left over");
    }

    @Test
    void aRedirectIsABackendHttpErrorNotRetriedAndItsLocationStaysInside() {
        for (String name : new String[] {"a", "b"}) {
            backends.get(name).reply(Replies.status(301, "<html>Moved</html>",
                    "location", "https://internal-vllm.svc.cluster.local:8443/v1/chat/completions",
                    "content-type", "text/html"));
        }

        var answer = openai(ProxyProfile.KEY).body(Api.chat("chat")).post("/v1/chat/completions");

        answer.then().statusCode(502).contentType("application/json")
                .header("location", nullValue())
                .body("error.type", equalTo("server_error"))
                .body("error.code", equalTo("backend_http_error"))
                .body("error.origin", equalTo("router"))
                .body("error.model", equalTo("chat"))
                .body("error.upstream_status", equalTo(301))
                .body("error.attempts", hasSize(1))
                .body("error.attempts[0].code", equalTo("http_301"))
                .body("error.attempts[0].status", equalTo(301));
        assertThat(backends.get("a").requestCount() + backends.get("b").requestCount()).isEqualTo(1);
    }

    @Test
    void aTranslatedRequestsRedirectIsTheSameErrorNotAnUnreadableAnswerRetried() {
        for (String name : new String[] {"d", "ad"}) {
            backends.get(name).reply(Replies.status(302, "", "location", "http://elsewhere/v1/messages"));
        }

        openai(ProxyProfile.KEY).body(Api.chat("claude-pair")).post("/v1/chat/completions")
                .then().statusCode(502)
                .header("location", nullValue())
                .body("error.code", equalTo("backend_http_error"))
                .body("error.upstream_status", equalTo(302))
                .body("error.attempts", hasSize(1))
                .body("error.attempts[0].code", equalTo("http_302"));
        assertThat(backends.get("d").requestCount() + backends.get("ad").requestCount()).isEqualTo(1);
    }
}
