package dev.sluice.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.Api;
import dev.sluice.testing.Backends;
import dev.sluice.testing.ClientCalls;
import dev.sluice.testing.Concurrent;
import dev.sluice.testing.Replies;
import dev.sluice.testing.SluiceProcess;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestRedis;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two Sluice instances (the packaged jar, in their own processes) sharing one Redis: one global quota, one global
 * concurrency limit, and the slots of an instance that dies coming back by themselves within the lease.
 */
class SharedRedisIT {

    static final String CHAT = Api.chat("chat");
    static final String STREAM = "{\"model\":\"chat\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    static TestRedis redis;
    static Backends backends;
    static SluiceProcess first;
    static SluiceProcess second;
    static HttpClient client;

    @BeforeAll
    static void start() {
        redis = TestRedis.start();
        backends = Backends.start("s");
        String config = """
                sluice:
                  limits:
                    store: redis
                    lease: 2s
                    redis-timeout: 1s   # a loaded 2-core test machine must not fall back to local limits
                  accounts:
                    quota: {requests-per-window: 10, window: 1h}
                    slots: {concurrency: 3}
                    dying: {concurrency: 2}
                  keys:
                    - {key: sk-quota, account: quota}
                    - {key: sk-slots, account: slots}
                    - {key: sk-dying, account: dying}
                  models:
                    chat:
                      backends:
                        - {name: s, url: "%s"}
                """.formatted("http://127.0.0.1:" + backends.get("s").port());
        Map<String, String> env = Map.of("QUARKUS_REDIS_HOSTS", redis.url());
        first = SluiceProcess.start("first", config, env);
        second = SluiceProcess.start("second", config, env);
        client = TestBackend.vertx().createHttpClient();
    }

    @AfterAll
    static void stop() {
        if (first != null) {
            first.close();
        }
        if (second != null) {
            second.close();
        }
        backends.close();
        redis.close();
        client.close();
    }

    static int post(SluiceProcess instance, String key) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(instance.url("/v1/chat/completions")))
                .header("authorization", "Bearer " + key).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(CHAT)).build();
        return java.net.http.HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    /** Opens a stream that holds a slot until the backend's stream ends; completes on its first chunk. */
    static CompletableFuture<Void> hold(SluiceProcess instance, String key) {
        CompletableFuture<Void> firstChunk = new CompletableFuture<>();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
                .setPort(instance.port()).setURI("/v1/chat/completions")
                .putHeader("authorization", "Bearer " + key).putHeader("content-type", "application/json");
        ClientCalls.send(client, options, STREAM, response -> response.handler(chunk -> firstChunk.complete(null)))
                .onFailure(firstChunk::completeExceptionally);
        return firstChunk;
    }

    @Test
    void bothInstancesShareOneQuota() throws Exception {
        int ok = 0;
        int refused = 0;
        for (int i = 0; i < 14; i++) {
            int status = post(i % 2 == 0 ? first : second, "sk-quota");
            if (status == 200) {
                ok++;
            } else if (status == 429) {
                refused++;
            }
        }
        assertThat(ok).isEqualTo(10);
        assertThat(refused).isEqualTo(4);
    }

    @Test
    void bothInstancesShareOneConcurrencyLimit() throws Exception {
        // streams of 10 s: the three held ones must outlast the floods below on a loaded machine (2 s did not)
        backends.get("s").reply(Replies.sse(100, 100));
        hold(first, "sk-slots").get(10, TimeUnit.SECONDS);
        hold(first, "sk-slots").get(10, TimeUnit.SECONDS);
        hold(second, "sk-slots").get(10, TimeUnit.SECONDS);

        assertThat(post(first, "sk-slots")).isEqualTo(429);
        assertThat(post(second, "sk-slots")).isEqualTo(429);

        // a flood on both at once never gets a fourth request in
        List<Concurrent.Answer> floodFirst = Concurrent.post(first.port(), 20, "/v1/chat/completions", "sk-slots", CHAT);
        List<Concurrent.Answer> floodSecond = Concurrent.post(second.port(), 20, "/v1/chat/completions", "sk-slots", CHAT);
        assertThat(floodFirst).allMatch(answer -> answer.status() == 429);
        assertThat(floodSecond).allMatch(answer -> answer.status() == 429);
        backends.get("s").reset();
    }

    @Test
    void theSlotsOfAnInstanceThatDiesComeBackWithinTheLease() throws Exception {
        backends.get("s").reply(Replies.sse(600, 100));
        SluiceProcess doomed = SluiceProcess.start("doomed", """
                sluice:
                  limits: {store: redis, lease: 2s, redis-timeout: 1s}
                  accounts:
                    dying: {concurrency: 2}
                  keys:
                    - {key: sk-dying, account: dying}
                  models:
                    chat:
                      backends:
                        - {name: s, url: "%s"}
                """.formatted("http://127.0.0.1:" + backends.get("s").port()), Map.of("QUARKUS_REDIS_HOSTS", redis.url()));
        try {
            killWhileHoldingSlots(doomed);
        } finally {
            doomed.kill();
            backends.get("s").reset();
        }
    }

    private void killWhileHoldingSlots(SluiceProcess doomed) throws Exception {
        hold(doomed, "sk-dying").get(10, TimeUnit.SECONDS);
        hold(doomed, "sk-dying").get(10, TimeUnit.SECONDS);
        assertThat(post(second, "sk-dying")).isEqualTo(429);

        // when the instance dies without releasing anything
        doomed.kill();
        long killedAt = System.nanoTime();
        backends.get("s").reset();

        // then its slots free themselves within the lease (2 s), and not long before
        int status = post(second, "sk-dying");
        while (status == 429 && System.nanoTime() - killedAt < TimeUnit.SECONDS.toNanos(4)) {
            Thread.sleep(100);
            status = post(second, "sk-dying");
        }
        long freedAfterMillis = (System.nanoTime() - killedAt) / 1_000_000;
        assertThat(status).isEqualTo(200);
        assertThat(freedAfterMillis).isLessThan(3_000);
    }
}
