package dev.sluice.limits;

import static dev.sluice.limits.ClusterLimitStoreTest.histogram;
import static dev.sluice.testing.Api.given;
import static dev.sluice.testing.Api.openai;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.Api;
import dev.sluice.testing.Backends;
import dev.sluice.testing.InjectBackends;
import dev.sluice.testing.RedisMonitor;
import dev.sluice.testing.RedisTopologyProfile;
import dev.sluice.testing.RespClient;
import dev.sluice.testing.TestRedisCluster;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The proxy with {@code quarkus.redis.client-type: cluster}: a request admitted and released on its account's master. */
@QuarkusTest
@TestProfile(RedisTopologyProfile.Cluster.class)
class ClusterAdmissionTest {

    static final String CHAT = Api.chat("chat");
    static final String INFLIGHT = "sluice:{" + RedisTopologyProfile.ACCOUNT + "}:inflight";

    static TestRedisCluster cluster;
    @InjectBackends
    Backends backends;

    @BeforeAll
    static void start() {
        cluster = TestRedisCluster.start(TestRedisCluster.ports("e2e"));
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void aRequestIsAdmittedAndReleasedOnItsAccountsMasterWithOneScriptCallEach() throws Exception {
        // given: the connections of a few event loops open, the scripts loaded
        for (int i = 0; i < 5; i++) {
            openai(RedisTopologyProfile.KEY).body(CHAT).post("/v1/chat/completions").then().statusCode(200);
        }
        Thread.sleep(200);
        int owner = cluster.portOf(INFLIGHT);
        String quotaKey = "sluice:{" + RedisTopologyProfile.ACCOUNT + "}:q:" + System.currentTimeMillis() / 3_600_000
                * 3_600_000;
        long watchedFrom = System.nanoTime();
        RedisMonitor monitor = RedisMonitor.of(cluster.client(owner));

        // when
        openai(RedisTopologyProfile.KEY).body(CHAT).post("/v1/chat/completions").then().statusCode(200)
                .header("ratelimit-limit", "1000").header("ratelimit-remaining", "994");
        Thread.sleep(300); // the release goes out after the answer

        // then: one EVALSHA to admit, one to release, on the master of the account's slot; besides, at most the
        // handshake of a connection that an event loop opens the first time it admits, and, if this master is the
        // first seed, the timer's reading of the slot table (once a second)
        Map<String, Integer> commands = histogram(monitor.commands());
        monitor.close();
        // a once-a-second reading falls at most this many times in the window watched (one, unless the machine was
        // slow enough to stretch the window past a second)
        int perSecond = 1 + (int) TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - watchedFrom);
        assertThat(commands).containsEntry("evalsha", 2);
        // and the limit store's check of which servers answer (one INFO per second on every master)
        assertThat(commands.keySet()).isSubsetOf("evalsha", "hello", "cluster slots", "info");
        assertThat(commands.getOrDefault("info", 0)).isLessThanOrEqualTo(perSecond);
        // background readings of the slot table may land on any master, at most once a second per cluster client:
        // the limit store's own client and the one the control plane's version check goes through (Quarkus' bean),
        // so at most two a second of the window, and one more when an event loop's first connection read the table
        assertThat(commands.getOrDefault("cluster slots", 0)).isLessThanOrEqualTo(2 * perSecond + 1);
        try (RespClient node = cluster.client(owner)) {
            assertThat(node.number("GET", quotaKey)).isEqualTo(6);
            assertThat(node.number("ZCARD", INFLIGHT)).isZero();
        }
        String mode = dev.sluice.testing.Management.given().get("/q/health/ready").then().statusCode(200).extract().jsonPath()
                .getString("checks.find { it.name == 'limit-store' }.data.mode");
        assertThat(mode).isEqualTo("redis");
    }
}
