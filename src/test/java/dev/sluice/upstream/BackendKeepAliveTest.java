package dev.sluice.upstream;

import static dev.sluice.testing.Api.openai;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.Api;
import dev.sluice.testing.Backends;
import dev.sluice.testing.InjectBackends;
import dev.sluice.testing.ProxyProfile;
import dev.sluice.testing.Replies;
import dev.sluice.testing.TestBackend;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A pooled backend connection is kept idle for {@code sluice.upstream.keep-alive-timeout} (4 s here, the default),
 * whatever the backend's {@code Keep-Alive: timeout=N} says (Vert.x alone would take the backend's value), and for
 * less when the backend keeps its side for less: measured on the backend's side of the connection.
 */
@QuarkusTest
@TestProfile(ProxyProfile.class)
class BackendKeepAliveTest {

    @InjectBackends
    Backends backends;

    /** When the connection that carried the answer was answered on and closed ({@link System#nanoTime()}). */
    record Connection(CompletableFuture<Long> answered, CompletableFuture<Long> closed) {
        long idleMillis(long timeoutMillis) throws Exception {
            long closedAt = closed.get(timeoutMillis, TimeUnit.MILLISECONDS);
            return TimeUnit.NANOSECONDS.toMillis(closedAt - answered.get(1, TimeUnit.SECONDS));
        }
    }

    @BeforeEach
    void reset() {
        backends.resetAll();
    }

    /** Both backends of model {@code chat} answer {@code reply} with {@code keepAlive}, and note their connection. */
    private Connection answerWith(String keepAlive, boolean stream) {
        Connection connection = new Connection(new CompletableFuture<>(), new CompletableFuture<>());
        TestBackend.Reply reply = (request, body, response) -> {
            request.connection().closeHandler(closed -> connection.closed().complete(System.nanoTime()));
            response.putHeader("keep-alive", keepAlive);
            response.endHandler(ended -> connection.answered().complete(System.nanoTime()));
            (stream ? Replies.sse(2, 0) : Replies.json(200, Replies.CHAT_COMPLETION)).answer(request, body, response);
        };
        backends.get("a").reply(reply);
        backends.get("b").reply(reply);
        return connection;
    }

    @Test
    void aBackendThatKeepsItsSideLongerDoesNotHoldTheProxysIdleConnection() throws Exception {
        // Node's servers say so when their keepAliveTimeout is 65 s; Vert.x alone kept the connection 65 s
        Connection connection = answerWith("timeout=65", false);
        openai(ProxyProfile.KEY).body(Api.chat("chat")).post("/v1/chat/completions").then().statusCode(200)
                .header("keep-alive", (String) null);

        long idle = connection.idleMillis(9_000);
        // expired after 4 s, closed by the pool's cleaner (once a second) soon after
        assertThat(idle).isBetween(3_500L, 7_000L);
    }

    @Test
    void aBackendThatKeepsItsSideASecondOrLessHasItsConnectionClosedAfterTheAnswer() throws Exception {
        // Vert.x alone would have lent the connection until the very second the backend closes it
        Connection connection = answerWith("timeout=1", true);
        String stream = openai(ProxyProfile.KEY)
                .body("{\"model\":\"chat\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .post("/v1/chat/completions").then().statusCode(200).header("keep-alive", (String) null)
                .extract().asString();
        assertThat(stream).endsWith("data: [DONE]\n\n");

        assertThat(connection.idleMillis(5_000)).isLessThan(500L);
    }

    @Test
    void aShorterTimeoutIsKeptASecondShort() throws Exception {
        Connection connection = answerWith("timeout=3", false);
        openai(ProxyProfile.KEY).body(Api.chat("chat")).post("/v1/chat/completions").then().statusCode(200);

        // 2 s, closed by the pool's cleaner within the next second: shorter than the proxy's own 4 s, so the
        // rewritten timeout is the one Vert.x kept
        assertThat(connection.idleMillis(6_000)).isBetween(1_500L, 3_500L);
    }
}
