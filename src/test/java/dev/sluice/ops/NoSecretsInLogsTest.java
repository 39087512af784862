package dev.sluice.ops;

import static dev.sluice.testing.Api.anthropic;
import static dev.sluice.testing.Api.openai;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.Api;
import dev.sluice.testing.Backends;
import dev.sluice.testing.InjectBackends;
import dev.sluice.testing.Replies;
import dev.sluice.testing.BackendsResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * No secret ever reaches the logs: client keys (valid or not), backend api keys, Authorization headers, admin keys
 * and the keys the admin API generates. The log is captured to a file at DEBUG level while traffic of every kind
 * (successes, errors, retries, broken streams, admin calls) runs.
 */
@QuarkusTest
@TestProfile(NoSecretsInLogsTest.Profile.class)
class NoSecretsInLogsTest {

    static final String CLIENT_KEY = "sk-live-client-secret-4f9a2c";
    static final String WRONG_KEY = "sk-live-wrong-secret-77e1d0";
    static final String BACKEND_KEY = "backend-api-secret-93bd11";
    static final String ANTHROPIC_BACKEND_KEY = "anthropic-api-secret-0c5e8a";
    static final String ADMIN_KEY = "sk-admin-secret-5d2e71";
    static final Path LOG = Path.of("target", "no-secrets-test.log");

    public static class Profile implements QuarkusTestProfile {
        @Override
        public java.util.List<TestResourceEntry> testResources() {
            return java.util.List.of(BackendsResource.of("x1", "x2", "x3"));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>();
            config.put("quarkus.log.file.enabled", "true");
            config.put("quarkus.log.file.path", LOG.toString());
            config.put("quarkus.log.category.\"dev.sluice\".level", "DEBUG");
            config.put("quarkus.log.file.level", "DEBUG");
            config.put("sluice.upstream.first-byte-timeout", "300ms");
            config.put("sluice.upstream.idle-timeout", "300ms");
            config.put("sluice.accounts.acme.concurrency", "5");
            config.put("sluice.keys[0].key", CLIENT_KEY);
            config.put("sluice.keys[0].account", "acme");
            config.put("sluice.admin.keys[0].key", ADMIN_KEY);
            config.put("sluice.models.chat.backends[0].name", "x1");
            config.put("sluice.models.chat.backends[0].url", BackendsResource.url("x1"));
            config.put("sluice.models.chat.backends[0].api-key", BACKEND_KEY);
            config.put("sluice.models.chat.backends[1].name", "x2");
            config.put("sluice.models.chat.backends[1].url", BackendsResource.url("x2"));
            config.put("sluice.models.chat.backends[1].api-key", BACKEND_KEY);
            config.put("sluice.models.claude.protocol", "anthropic");
            config.put("sluice.models.claude.backends[0].name", "x3");
            config.put("sluice.models.claude.backends[0].url", BackendsResource.url("x3"));
            config.put("sluice.models.claude.backends[0].api-key", ANTHROPIC_BACKEND_KEY);
            return config;
        }
    }

    @InjectBackends
    Backends backends;

    @Test
    void neitherKeysNorBackendCredentialsNorAuthorizationHeadersAreLogged() throws Exception {
        String chat = Api.chat("chat");
        openai(CLIENT_KEY).body(chat).post("/v1/chat/completions").then().statusCode(200);
        openai(WRONG_KEY).body(chat).post("/v1/chat/completions").then().statusCode(401);
        anthropic(WRONG_KEY).body("{}").post("/v1/messages").then().statusCode(401);
        openai(CLIENT_KEY).body("{\"model\":").post("/v1/chat/completions").then().statusCode(400);
        backends.get("x1").reply(Replies.status(503, "{\"error\":{\"message\":\"echo " + BACKEND_KEY + "\"}}"));
        backends.get("x2").reply(Replies.status(500, "{}"));
        openai(CLIENT_KEY).body(chat).post("/v1/chat/completions");
        backends.get("x1").reply(Replies.sseBreaking(4, 10, 2));
        backends.get("x2").reply(Replies.sseBreaking(4, 10, 2));
        openai(CLIENT_KEY).body(chat.replace("}]}", "}],\"stream\":true}")).post("/v1/chat/completions");
        backends.get("x3").reply(Replies.stall());
        anthropic(CLIENT_KEY).body("{\"model\":\"claude\",\"max_tokens\":5,\"messages\":[]}").post("/v1/messages")
                .then().statusCode(504);
        // the admin API: a generated key created, used, listed and deleted; a wrong admin key refused
        io.restassured.path.json.JsonPath created = openai(ADMIN_KEY).body("{\"account\":\"acme\"}").post("/admin/v1/keys")
                .then().statusCode(201).extract().jsonPath();
        String generated = created.getString("key");
        openai(generated).body(chat).post("/v1/chat/completions").then().statusCode(200);
        openai(ADMIN_KEY).get("/admin/v1/keys").then().statusCode(200);
        openai(ADMIN_KEY + "x").get("/admin/v1/keys").then().statusCode(401);
        openai(generated).get("/admin/v1/keys").then().statusCode(403);
        openai(ADMIN_KEY).delete("/admin/v1/keys/" + created.getString("id")).then().statusCode(204);
        openai(generated).body(chat).post("/v1/chat/completions").then().statusCode(401);
        Thread.sleep(300);

        String log = Files.readString(LOG);
        assertThat(log).doesNotContain(ADMIN_KEY).doesNotContain(generated)
                .doesNotContain(generated.substring("sk-sluice-".length()));
        assertThat(log).contains("request_id=").contains("account=acme");
        assertThat(log).doesNotContain(CLIENT_KEY).doesNotContain(WRONG_KEY).doesNotContain(BACKEND_KEY)
                .doesNotContain(ANTHROPIC_BACKEND_KEY).doesNotContainIgnoringCase("authorization: bearer")
                .doesNotContainIgnoringCase("x-api-key:");
    }
}
