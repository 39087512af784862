package dev.sluice.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.InjectRedis;
import dev.sluice.testing.Management;
import dev.sluice.testing.RedisResource;
import dev.sluice.testing.RespClient;
import dev.sluice.testing.TestRedis;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;

/**
 * The fault matrix with the limits in a real Redis server ({@code sluice.limits.store: redis},
 * {@code redis-failure: local}, a 250 ms Redis timeout), plus the cells where Redis itself fails: killed (SIGKILL),
 * frozen (SIGSTOP) and restarted, before the request and while its backend answers.
 */
@QuarkusTest
@TestProfile(RedisFaultMatrixTest.Profile.class)
class RedisFaultMatrixTest extends FaultMatrixContract {

    public static class Profile extends FaultMatrixProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            List<TestResourceEntry> resources = super.testResources();
            resources.add(RedisResource.entry());
            return resources;
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = super.getConfigOverrides();
            config.put("sluice.limits.store", "redis");
            config.put("sluice.limits.redis-failure", "local");
            // short, so that the frozen cells are quick, and not so short that a slow moment of a busy machine is
            // taken for Redis failing: with 100 ms, the first admission on a just restarted Redis once answered late
            // in CI and was counted in the instance, not in Redis, failing the restarted cell
            config.put("sluice.limits.redis-timeout", REDIS_TIMEOUT_MILLIS + "ms");
            return config;
        }
    }

    @InjectRedis
    TestRedis redis;

    static Stream<FaultMatrix.Cell> cells() {
        return FaultMatrix.cells(true).stream();
    }

    static final long REDIS_TIMEOUT_MILLIS = 250;

    /** True while the Redis process is killed (and must be started again). */
    private boolean killed;
    /** When Redis was frozen while the backend answered (System.nanoTime), or 0. */
    private long frozenMidRequestAt;

    @Override
    void breakStore(FaultMatrix.Cell cell) {
        switch (cell.fault()) {
            case REDIS_KILLED, REDIS_KILLED_MID_REQUEST -> kill();
            case REDIS_FROZEN -> redis.freeze();
            case REDIS_FROZEN_MID_REQUEST -> {
                redis.freeze();
                frozenMidRequestAt = System.nanoTime();
            }
            case REDIS_RESTARTED -> {
                kill();
                // the proxy notices (its kept connections are gone), then Redis comes back, empty
                Ledger.read(cell);
                repairStore();
            }
            default -> super.breakStore(cell);
        }
    }

    private void kill() {
        redis.kill();
        killed = true;
    }

    @Override
    void repairStore() {
        if (frozenMidRequestAt != 0) {
            // the answer did not wait for the frozen Redis (its release was sent, not answered); Redis stays frozen
            // past the release's redis-timeout, so that the release fails and must be sent again once Redis runs
            long frozenFor = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - frozenMidRequestAt);
            frozenMidRequestAt = 0;
            try {
                TimeUnit.MILLISECONDS.sleep(Math.max(0, 2 * REDIS_TIMEOUT_MILLIS + 100 - frozenFor));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        redis.startProcess();
        killed = false;
        redis.thaw();
        awaitBackOnRedis();
    }

    @AfterEach
    void redisBack() {
        repairStore();
        try (RespClient client = redis.client()) {
            for (Object key : (List<?>) client.command("KEYS", "sluice:*:inflight")) {
                assertThat(client.number("ZCARD", key.toString())).as("slots held in Redis under %s", key).isZero();
            }
        }
    }

    /**
     * Waits until the proxy is back on Redis, which contract §4.5 wants within 5 s of Redis answering again. Readiness
     * saying so is enough: once one of the proxy's Redis connections is back (the store's probe), its other broken
     * ones reconnect at once, so no admission after that falls to the failure policy (RedisLinkTest).
     */
    private static void awaitBackOnRedis() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        String mode = null;
        while (System.nanoTime() < deadline) {
            JsonPath health = Management.given().get("/q/health/ready").then().extract().jsonPath();
            mode = health.getString("checks.find { it.name == 'limit-store' }.data.mode");
            if ("redis".equals(mode)) {
                return;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new AssertionError("not back on Redis within 5 s of it answering: limit-store mode " + mode);
    }
}
