package dev.sluice.control;

import static dev.sluice.testing.Api.openai;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.Api;
import dev.sluice.testing.ErrorLog;
import dev.sluice.testing.RedisTopologyProfile;
import dev.sluice.testing.RespClient;
import dev.sluice.testing.TestRedisCluster;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The control plane's change subscription on Redis Cluster, when the connections under it are cut: it is made
 * again, and closing the one that broke (a cluster connection holds one pooled connection per master, and tells of
 * each one's end) does not hand those back to the pool twice, which Vert.x refuses with an uncaught exception.
 */
@QuarkusTest
@TestProfile(RedisTopologyProfile.Cluster.class)
class ClusterSubscriptionTest {

    static final String CHAT = Api.chat("chat");

    static TestRedisCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestRedisCluster.start(TestRedisCluster.ports("e2e"));
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void aCutSubscriptionIsMadeAgainWithoutAnError() throws Exception {
        // given: the proxy serving, its subscription to the change channel open on one of the masters
        openai(RedisTopologyProfile.KEY).body(CHAT).post("/v1/chat/completions").then().statusCode(200);
        awaitSubscribers(1, 5_000);

        try (ErrorLog errors = ErrorLog.open()) {
            // when: every master cuts every client connection (the subscription and the pooled ones beside it)
            for (int port : cluster.ports()) {
                try (RespClient node = cluster.client(port)) {
                    node.command("CLIENT", "KILL", "TYPE", "pubsub");
                    node.command("CLIENT", "KILL", "TYPE", "normal");
                }
            }

            // then: subscribed again (the once-a-second version check makes a new subscription), nothing at ERROR
            awaitSubscribers(1, 5_000);
            openai(RedisTopologyProfile.KEY).body(CHAT).post("/v1/chat/completions").then().statusCode(200);
            assertThat(errors.lines()).isEmpty();
        }
    }

    /** Waits until the masters count {@code expected} subscribers to the change channel in all. */
    private static void awaitSubscribers(long expected, long maxMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + maxMillis;
        long subscribers = -1;
        while (System.currentTimeMillis() < deadline) {
            subscribers = 0;
            for (int port : cluster.ports()) {
                try (RespClient node = cluster.client(port)) {
                    Object counts = node.command("PUBSUB", "NUMSUB", RedisControlStore.CHANNEL);
                    subscribers += Long.parseLong(String.valueOf(((java.util.List<?>) counts).get(1)));
                }
            }
            if (subscribers == expected) {
                return;
            }
            Thread.sleep(50);
        }
        assertThat(subscribers).as("subscribers to the change channel").isEqualTo(expected);
    }
}
