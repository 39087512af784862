package dev.sluice.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.Api;
import dev.sluice.testing.Backends;
import dev.sluice.testing.SluiceProcess;
import dev.sluice.testing.TestRedis;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Map;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two Sluice instances (the packaged jar, in their own processes) sharing one Redis, with the admin API (contract
 * §10.1): a key created on one works on the other, a deleted or expired key is refused by both, within 2 s; a
 * runtime account's limits and credits are one for both.
 */
class SharedControlPlaneIT {

    static final String ADMIN = "sk-admin-it";
    static final String CHAT = Api.chat("chat");
    static final long PROPAGATION_MILLIS = 2_000;

    static TestRedis redis;
    static Backends backends;
    static SluiceProcess first;
    static SluiceProcess second;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        redis = TestRedis.start();
        backends = Backends.start("s");
        String config = """
                sluice:
                  limits: {store: redis, redis-timeout: 1s}
                  admin:
                    keys:
                      - {key: %s}
                  accounts:
                    base: {concurrency: 100}
                  keys:
                    - {key: sk-file-it, account: base}
                  models:
                    chat:
                      price: {input-per-1k: 1.0, output-per-1k: 1.0}
                      default-max-tokens: 10
                      backends:
                        - {name: s, url: "http://127.0.0.1:%d"}
                """.formatted(ADMIN, backends.get("s").port());
        Map<String, String> env = Map.of("QUARKUS_REDIS_HOSTS", redis.url());
        first = SluiceProcess.start("cp-first", config, env);
        second = SluiceProcess.start("cp-second", config, env);
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
    }

    static HttpResponse<String> send(SluiceProcess instance, String method, String path, String key, String body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(instance.url(path)))
                .header("authorization", "Bearer " + key).header("content-type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonObject admin(SluiceProcess instance, String method, String path, String body, int expected) throws Exception {
        HttpResponse<String> response = send(instance, method, path, ADMIN, body);
        assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isEqualTo(expected);
        return response.body().isEmpty() ? new JsonObject() : new JsonObject(response.body());
    }

    static int chat(SluiceProcess instance, String key) throws Exception {
        return send(instance, "POST", "/v1/chat/completions", key, CHAT).statusCode();
    }

    /** How long until a request with {@code key} on {@code instance} answers a status {@code wanted} accepts. */
    static long millisUntil(SluiceProcess instance, String key, IntPredicate wanted) throws Exception {
        long start = System.nanoTime();
        while (!wanted.test(chat(instance, key))) {
            long waited = (System.nanoTime() - start) / 1_000_000;
            assertThat(waited).as("within 2 s").isLessThan(PROPAGATION_MILLIS);
            Thread.sleep(20);
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Test
    void aKeyCreatedOnOneInstanceWorksOnTheOtherAndADeletedOneStopsOnBoth() throws Exception {
        // given an account and a key created on the first instance
        admin(first, "PUT", "/admin/v1/accounts/shared-a", "{\"concurrency\":10}", 200);
        JsonObject key = admin(first, "POST", "/admin/v1/keys", "{\"account\":\"shared-a\"}", 201);
        String secret = key.getString("key");

        // then it works on the first at once, and on the second within 2 s
        assertThat(chat(first, secret)).isEqualTo(200);
        long created = millisUntil(second, secret, status -> status == 200);

        // when deleted on the second
        admin(second, "DELETE", "/admin/v1/keys/" + key.getString("id"), null, 204);

        // then both refuse it within 2 s
        assertThat(chat(second, secret)).isEqualTo(401);
        long deleted = millisUntil(first, secret, status -> status == 401);
        System.out.printf("Shared control plane: a key created on one instance worked on the other after %d ms; "
                + "deleted, it was refused after %d ms%n", created, deleted);
    }

    @Test
    void anExpiredKeyIsRefusedByBoth() throws Exception {
        Instant expiry = Instant.now().plusSeconds(2);
        admin(first, "PUT", "/admin/v1/accounts/shared-e", "{}", 200);
        String secret = admin(first, "POST", "/admin/v1/keys",
                "{\"account\":\"shared-e\",\"expires_at\":\"" + expiry + "\"}", 201).getString("key");
        millisUntil(second, secret, status -> status == 200);
        assertThat(chat(first, secret)).isEqualTo(200);

        Thread.sleep(Math.max(0, expiry.toEpochMilli() - System.currentTimeMillis()));
        millisUntil(first, secret, status -> status == 401);
        millisUntil(second, secret, status -> status == 401);
    }

    @Test
    void aRuntimeAccountsLimitsAndCreditsAreOneForBothInstances() throws Exception {
        // given a runtime account with a quota of 4, created on the second instance, and its key
        admin(second, "PUT", "/admin/v1/accounts/shared-q", "{\"requests-per-window\":4,\"window\":\"1h\"}", 200);
        String secret = admin(second, "POST", "/admin/v1/keys", "{\"account\":\"shared-q\"}", 201).getString("key");
        millisUntil(first, secret, status -> status == 200);

        // then both instances count against one quota (one request already spent above)
        int ok = 1;
        int refused = 0;
        for (int i = 0; i < 6; i++) {
            int status = chat(i % 2 == 0 ? first : second, secret);
            ok += status == 200 ? 1 : 0;
            refused += status == 429 ? 1 : 0;
        }
        assertThat(ok).isEqualTo(4);
        assertThat(refused).isEqualTo(3);

        // and credits given on one are the balance seen and spent on the other
        admin(first, "PUT", "/admin/v1/accounts/shared-c", "{}", 200);
        String payer = admin(first, "POST", "/admin/v1/keys", "{\"account\":\"shared-c\"}", 201).getString("key");
        admin(first, "POST", "/admin/v1/accounts/shared-c/credits", "{\"amount\":1}", 200);
        millisUntil(second, payer, status -> status == 200);
        double available = admin(first, "GET", "/admin/v1/accounts/shared-c", null, 200)
                .getJsonObject("usage").getJsonObject("credits").getDouble("available");
        assertThat(available).isLessThan(1.0).isGreaterThan(0.9);
        assertThat(admin(second, "POST", "/admin/v1/accounts/shared-c/credits", "{\"amount\":-5}", 422)
                .getJsonObject("error").getString("param")).isEqualTo("amount");
    }

    @Test
    void aReplacedOrDeletedAccountAppliesOnBothInstancesWithinTwoSeconds() throws Exception {
        // given a runtime account with a large quota and its key, working on both instances
        admin(first, "PUT", "/admin/v1/accounts/shared-p", "{\"requests-per-window\":1000,\"window\":\"1h\"}", 200);
        String secret = admin(first, "POST", "/admin/v1/keys", "{\"account\":\"shared-p\"}", 201).getString("key");
        millisUntil(second, secret, status -> status == 200);
        assertThat(chat(first, secret)).isEqualTo(200);

        // when it is replaced on the first instance with a quota of one request, already spent
        admin(first, "PUT", "/admin/v1/accounts/shared-p", "{\"requests-per-window\":1,\"window\":\"1h\"}", 200);

        // then the second refuses it within 2 s
        long replaced = millisUntil(second, secret, status -> status == 429);

        // when the account is deleted on the second, its keys go with it: the first refuses the key within 2 s
        admin(second, "DELETE", "/admin/v1/accounts/shared-p", null, 204);
        long deleted = millisUntil(first, secret, status -> status == 401);
        System.out.printf("Shared control plane: a replaced account applied on the other instance after %d ms; "
                + "a deleted one after %d ms%n", replaced, deleted);
    }
}
