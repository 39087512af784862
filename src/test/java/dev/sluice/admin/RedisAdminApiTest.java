package dev.sluice.admin;

import static dev.sluice.testing.Api.openai;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.InjectRedis;
import dev.sluice.testing.ProxyProfile;
import dev.sluice.testing.RedisLimitsProfile;
import dev.sluice.testing.RespClient;
import dev.sluice.testing.RedisCommandLog;
import dev.sluice.testing.TestRedis;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The admin API with runtime keys and accounts in Redis ({@code limits.store: redis}), and what a runtime key costs
 * on the request path: no Redis command in the steady state (contract §10.1).
 */
@QuarkusTest
@TestProfile(RedisLimitsProfile.class)
class RedisAdminApiTest extends AdminApiContract {

    static final int REQUESTS = 20;

    @InjectRedis
    TestRedis redis;

    @jakarta.inject.Inject
    dev.sluice.limits.Admission admission;

    /** The commands the request path sent while {@code requests} requests ran with {@code key}. */
    List<String> commandsOfRequests(String key) throws Exception {
        assertThat(chat(key)).isEqualTo(200); // warm: connections open, scripts loaded
        Thread.sleep(200);
        try (RedisCommandLog monitor = RedisCommandLog.start(redis)) {
            for (int i = 0; i < REQUESTS; i++) {
                assertThat(chat(key)).isEqualTo(200);
            }
            Thread.sleep(300); // releases go out after the answers
            // the periodic check of the runtime view (one GET of the version per second, whatever the traffic), and the
            // limit store's check of which server answers (one INFO per second)
            return monitor.commands().stream().filter(command -> !command.equals("GET \"sluice:{control}:version\"")
                    && !command.startsWith("INFO")).toList();
        }
    }

    @Test
    void aRuntimeKeyCostsNoRedisCommandOnTheRequestPath() throws Exception {
        // given a runtime key of an account without limits, and one of an account limited as the file's "adminmon"
        admin().body("{}").put("/admin/v1/accounts/mon-free").then().statusCode(200);
        String free = createKey("{\"account\":\"mon-free\"}").getString("key");
        admin().body("{\"plan\":\"free\",\"requests-per-window\":1000000}").put("/admin/v1/accounts/mon-quota").then().statusCode(200);
        String limited = createKey("{\"account\":\"mon-quota\"}").getString("key");

        // then authenticating them sends nothing to Redis
        List<String> unlimited = commandsOfRequests(free);
        assertThat(unlimited).as("commands for %d requests with a runtime key and no limits", REQUESTS).isEmpty();

        // and a limited account's requests cost what they cost with a key of the file: admission and release only
        List<String> runtime = commandsOfRequests(limited);
        List<String> file = commandsOfRequests(ProxyProfile.key("adminmon"));
        assertThat(runtime.stream().filter(command -> command.startsWith("EVALSHA"))).hasSize(2 * REQUESTS);
        assertThat(runtime).allMatch(command -> !command.startsWith("EVAL ") && !command.startsWith("HGET")
                && !command.startsWith("GET \"sluice:{control}"));
        assertThat(names(runtime)).isEqualTo(names(file));
        assertThat(runtime).hasSameSizeAs(file);
        System.out.printf("MONITOR: %d requests with a runtime key of an unlimited account: %d commands; of an account "
                + "with a quota: %d commands (%d with a key of the file)%n", REQUESTS, unlimited.size(), runtime.size(),
                file.size());
    }

    private static List<String> names(List<String> commands) {
        return commands.stream().map(command -> command.split(" ", 2)[0]).sorted().toList();
    }

    @Test
    void runtimeKeysAndAccountsRedisLostAreNoLongerServedAndTheOperatorIsTold() throws Exception {
        // given a runtime account and key in service
        String name = "lost-" + System.nanoTime();
        admin().body("{}").put("/admin/v1/accounts/" + name).then().statusCode(200);
        String secret = createKey("{\"account\":\"" + name + "\"}").getString("key");
        assertThat(chat(secret)).isEqualTo(200);

        // when Redis loses them (a restart without persistence: the control plane's keys are gone)
        try (RespClient client = redis.client()) {
            client.command("DEL", "sluice:{control}:version", "sluice:{control}:keys", "sluice:{control}:accounts",
                    "sluice:{control}:credited");
        }

        // then within the sync interval the key stops working, and the log says why
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        while (chat(secret) == 200 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(chat(secret)).isEqualTo(401);
        assertThat(java.nio.file.Files.readString(RedisLimitsProfile.LOG))
                .containsPattern("WARN .*The runtime keys and accounts in Redis went back from version \\d+ to 0 "
                        + "\\(Redis restarted without persistence, lost writes in a failover, or was flushed\\): 0 of \\d+ "
                        + "keys and 0 of \\d+ accounts created with the admin API remain");
    }

    @Test
    void aChangeRedisDoesNotConfirmAnswers503AndSaysItMayStillApply() throws Exception {
        String name = "late-" + System.nanoTime();
        admin().body("{}").put("/admin/v1/accounts/" + name).then().statusCode(200);
        admin().body("{\"amount\":5}").post("/admin/v1/accounts/" + name + "/credits").then().statusCode(200);
        redis.freeze();
        try {
            // sent, not answered in time: "try again" would have a script add the credits twice
            error(admin().body("{\"amount\":1}").post("/admin/v1/accounts/" + name + "/credits"), 503,
                    "limit_store_unavailable", null)
                    .body("error.message", org.hamcrest.Matchers.containsString("may still be applied"));
            error(admin().body("{\"account\":\"acme\"}").post("/admin/v1/keys"), 503, "limit_store_unavailable", null)
                    .body("error.message", org.hamcrest.Matchers.containsString("may still be applied"));
        } finally {
            redis.thaw();
        }
        // as the answer said: once Redis answers, it runs the top-up it was sent
        long deadline = System.nanoTime() + 5_000_000_000L;
        double available = 0;
        while (System.nanoTime() < deadline) {
            available = admin().get("/admin/v1/accounts/" + name).jsonPath().getDouble("usage.credits.available");
            if (available == 6) {
                break;
            }
            Thread.sleep(50);
        }
        assertThat(available).isEqualTo(6.0);
        createKey("{\"account\":\"acme\"}");
    }

    @Test
    void aChangeWhileRedisIsMarkedDownIsRefusedAtOnceAndNothingIsSent() throws Exception {
        // given: the limit store has Redis marked down (as after failed admissions), until its probe sees it back
        String name = "while-down-" + System.nanoTime();
        admission.redisUnreachableAtStart();

        // when
        long start = System.nanoTime();
        error(admin().body("{}").put("/admin/v1/accounts/" + name), 503, "limit_store_unavailable", null)
                .body("error.message", org.hamcrest.Matchers.containsString("nothing was changed"));
        long tookMillis = (System.nanoTime() - start) / 1_000_000;

        // then: answered without waiting for the store's deadline, and Redis got nothing
        assertThat(tookMillis).isLessThan(500);
        try (var client = redis.client()) {
            assertThat((Object) client.command("HGET", "sluice:{control}:accounts", name)).isNull();
        }
        // the probe sees Redis answer (every 500 ms): changes go through again
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (admission.redisMarkedDown() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        admin().body("{}").put("/admin/v1/accounts/" + name).then().statusCode(200);
    }

    @Test
    void runtimeKeysAndAccountsLiveInRedis() {
        String name = "in-redis-" + System.nanoTime();
        admin().body("{\"concurrency\":2}").put("/admin/v1/accounts/" + name).then().statusCode(200);
        String id = createKey("{\"account\":\"" + name + "\",\"name\":\"stored\"}").getString("id");
        try (var client = redis.client()) {
            assertThat((String) client.command("HGET", "sluice:{control}:accounts", name)).contains("\"concurrency\":2");
            String stored = (String) client.command("HGET", "sluice:{control}:keys", id);
            assertThat(stored).contains("\"sha256\"").contains("\"account\":\"" + name + "\"").doesNotContain("sk-sluice-");
            assertThat(client.number("GET", "sluice:{control}:version")).isPositive();
        }
        assertThat(openai(ProxyProfile.KEY).body(CHAT).post("/v1/chat/completions").statusCode()).isEqualTo(200);
    }

    @Test
    void anEntryInRedisThatCannotBeReadStopsNoOtherChange() throws Exception {
        // given: an account and a key entry no version of the proxy wrote (by hand, or another version's form); the
        // key's account exists, so an unknown protocol read as it was would fail where the keys are put together
        try (var client = redis.client()) {
            client.command("HSET", "sluice:{control}:accounts", "broken", "{\"concurrency\":\"lots\"}");
            client.command("HSET", "sluice:{control}:keys", "key_broken", "{\"id\":\"key_broken\",\"sha256\":\""
                    + "ab".repeat(32) + "\",\"account\":\"acme\",\"protocols\":[\"grpc\"]}");
        }
        try {
            // when: accounts and keys are created after it
            String name = "after-broken-" + System.nanoTime();
            admin().body("{}").put("/admin/v1/accounts/" + name).then().statusCode(200);
            String secret = createKey("{\"account\":\"" + name + "\"}").getString("key");

            // then: they apply (the account reads back, its key serves), the broken entry left out
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (chat(secret) != 200 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(chat(secret)).isEqualTo(200);
            admin().get("/admin/v1/accounts/" + name).then().statusCode(200);
            admin().get("/admin/v1/accounts/broken").then().statusCode(404);
        } finally {
            try (var client = redis.client()) {
                client.command("HDEL", "sluice:{control}:accounts", "broken");
                client.command("HDEL", "sluice:{control}:keys", "key_broken");
            }
        }
    }
}
