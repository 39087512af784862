package dev.sluice.limits;

import static dev.sluice.testing.Api.openai;
import static org.hamcrest.Matchers.equalTo;

import dev.sluice.testing.Api;
import dev.sluice.testing.BackendsResource;
import dev.sluice.testing.Management;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Redis behind an address that takes connections and never answers (a {@code rediss://} URL to a server without TLS
 * looks so: the handshake never completes) from start-up on: the instance follows its failure policy from the first
 * request, and readiness says so from the first check, rather than counting itself on Redis until calls fail twice.
 */
@QuarkusTest
@TestProfile(RedisSilentAtStartTest.Profile.class)
class RedisSilentAtStartTest {

    static final String KEY = "sk-silent";

    public static class Profile implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(BackendsResource.of("s"), new TestResourceEntry(SilentRedis.class));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sluice.limits.store", "redis", "sluice.limits.redis-failure", "closed",
                    "sluice.limits.redis-timeout", "250ms",
                    "sluice.accounts.silent.concurrency", "5",
                    "sluice.keys[0].key", KEY, "sluice.keys[0].account", "silent",
                    "sluice.models.chat.backends[0].name", "s",
                    "sluice.models.chat.backends[0].url", BackendsResource.url("s"));
        }
    }

    /** A port that accepts connections, reads nothing and answers nothing. */
    public static class SilentRedis implements QuarkusTestResourceLifecycleManager {
        private ServerSocket server;
        private final List<Socket> held = new CopyOnWriteArrayList<>();

        @Override
        public Map<String, String> start() {
            try {
                server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            Thread accepting = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        held.add(server.accept());
                    } catch (IOException closed) {
                        return;
                    }
                }
            }, "silent-redis");
            accepting.setDaemon(true);
            accepting.start();
            return Map.of("quarkus.redis.hosts", "redis://127.0.0.1:" + server.getLocalPort());
        }

        @Override
        public void stop() {
            try {
                server.close();
                for (Socket socket : held) {
                    socket.close();
                }
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    @Test
    void readinessAndRequestsFollowTheFailurePolicyFromTheStart() {
        Management.given().get("/q/health/ready").then().statusCode(503)
                .body("checks.find { it.name == 'limit-store' }.data.mode", equalTo("unavailable"));
        openai(KEY).body(Api.chat("chat")).post("/v1/chat/completions").then().statusCode(503)
                .header("retry-after", "1")
                .body("error.type", equalTo("server_error"))
                .body("error.code", equalTo("limit_store_unavailable"));
    }
}
