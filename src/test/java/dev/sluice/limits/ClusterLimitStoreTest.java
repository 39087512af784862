package dev.sluice.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.RedisMonitor;
import dev.sluice.testing.RespClient;
import dev.sluice.testing.TestRedisCluster;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The limit store contract on a real Redis Cluster of three masters ({@code quarkus.redis.client-type: cluster}),
 * plus what only a cluster has: one slot per account, the slot table, a slot migrated under traffic, a master lost.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterLimitStoreTest extends LimitStoreContract {

    /** The client's topology cache TTL, as application.properties sets it. */
    static final long TTL_MILLIS = 1_000;

    static TestRedisCluster cluster;
    static Vertx vertx;
    static Redis client;
    static RedisLimitStore store;

    @BeforeAll
    static void start() {
        cluster = TestRedisCluster.start();
        vertx = Vertx.vertx();
        client = Redis.createClient(vertx, options(cluster.hosts()));
        store = new RedisLimitStore(client, null, vertx, 2_000, TTL_MILLIS);
        await(store.warmUp());
    }

    @AfterAll
    static void stop() {
        if (store != null) {
            store.close();
            client.close();
            vertx.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    /** The Quarkus client as application.properties configures it, with {@code client-type: cluster}. */
    static RedisOptions options(String hosts) {
        return new RedisOptions().setType(RedisClientType.CLUSTER).setEndpoints(List.of(hosts.split(",")))
                .setMaxPoolSize(32).setMaxPoolWaiting(10_000).setMaxWaitingHandlers(10_000)
                .setHashSlotCacheTTL(TTL_MILLIS).setTopologyCacheTTL(TTL_MILLIS);
    }

    @Override
    LimitStore store() {
        return store;
    }

    static String inflightKey(AccountLimits limits) {
        return RedisLimitStore.Keys.inflight(limits.account());
    }

    /** A fresh account whose slot one of the masters (by port) serves, or does not serve. */
    static AccountLimits accountWhere(Predicate<Integer> master, Integer concurrency, Long quota) {
        for (int i = 0; i < 1_000; i++) {
            AccountLimits limits = account(concurrency, quota, null, null, null, null);
            if (master.test(cluster.portOf(inflightKey(limits)))) {
                return limits;
            }
        }
        throw new IllegalStateException("no account on such a master");
    }

    static long inFlight(AccountLimits limits) {
        try (RespClient node = cluster.client(cluster.portOf(inflightKey(limits)))) {
            return node.number("ZCARD", inflightKey(limits));
        }
    }

    static long quotaCount(AccountLimits limits) {
        String key = RedisLimitStore.Keys.quota(limits.account(), limits.quotaWindowStart(T0));
        try (RespClient node = cluster.client(cluster.portOf(key))) {
            return node.number("GET", key);
        }
    }

    static Map<String, Integer> histogram(List<String> commands) {
        Map<String, Integer> counts = new TreeMap<>();
        commands.forEach(command -> counts.merge(command, 1, Integer::sum));
        return counts;
    }

    @Test
    void everyKeyOfAnAccountLivesOnItsSlotsMaster() {
        // given
        AccountLimits limits = account(5, 100L, 10.0, 10.0, 1000L, 5.0);
        // when
        Decision decision = admit(limits, T0, 10, 10);
        // then: the five keys of the admission, all on one node (a script touching two slots would answer CROSSSLOT)
        assertThat(decision.admitted()).isTrue();
        try (RespClient node = cluster.client(cluster.portOf(inflightKey(limits)))) {
            assertThat((List<?>) node.command("KEYS", "sluice:{" + limits.account() + "}:*")).hasSize(5);
        }
    }

    @Test
    void admissionIsOneEvalshaOnTheAccountsMasterAndTheSlotTableIsReadByATimerNotByAdmissions() throws Exception {
        // given: an account on a master other than the first seed, where the client reads the slot table
        int seed = cluster.ports().get(0);
        AccountLimits limits = accountWhere(port -> port != seed, 1_000, 1_000_000L);
        int owner = cluster.portOf(inflightKey(limits));
        admit(limits, T0);
        Map<Integer, RedisMonitor> monitors = new TreeMap<>();
        for (int port : cluster.ports()) {
            monitors.put(port, RedisMonitor.of(cluster.client(port)));
        }
        long started = System.nanoTime();

        // when: 200 admissions back to back, then 3 slower than the table's TTL (the pace at which the issue saw
        // a CLUSTER SLOTS before every EVALSHA)
        for (int i = 0; i < 200; i++) {
            admit(limits, T0);
        }
        for (int i = 0; i < 3; i++) {
            Thread.sleep(TTL_MILLIS + 100);
            admit(limits, T0);
        }
        double seconds = (System.nanoTime() - started) / 1e9;

        // then: the owner ran one EVALSHA per admission and nothing else, besides the store's check of which servers
        // answer (one INFO a second on every master, whatever the admissions)
        List<String> onOwner = monitors.get(owner).commands();
        Map<String, Integer> ownerCommands = histogram(onOwner);
        assertThat(ownerCommands.getOrDefault("info", 0)).isLessThanOrEqualTo((int) Math.ceil(seconds) + 1);
        ownerCommands.remove("info");
        assertThat(ownerCommands).isEqualTo(Map.of("evalsha", 203));
        // the seed ran only the timer's readings of the slot table, about one per TTL whatever the admissions did
        // (plus, at most once, the handshake of the pooled connection those readings use)
        List<String> onSeed = monitors.get(seed).commands();
        List<Double> readings = new ArrayList<>();
        for (int i = 0; i < onSeed.size(); i++) {
            if (onSeed.get(i).equals("cluster slots")) {
                readings.add(monitors.get(seed).times().get(i));
            }
        }
        assertThat(onSeed).allMatch(command -> command.equals("cluster slots") || command.equals("hello")
                || command.equals("info"));
        assertThat(onSeed.stream().filter("hello"::equals).count()).isLessThanOrEqualTo(1);
        assertThat(readings.size()).isBetween(1, (int) Math.ceil(seconds * 1000 / TTL_MILLIS) + 1);
        for (int i = 1; i < readings.size(); i++) {
            assertThat(readings.get(i) - readings.get(i - 1)).as("seconds between two readings")
                    .isGreaterThan(TTL_MILLIS / 1000.0 * 0.9);
        }
        // the third master saw nothing but the store's check of which server answers
        for (int port : cluster.ports()) {
            if (port != seed && port != owner) {
                assertThat(monitors.get(port).commands()).allMatch("info"::equals)
                        .hasSizeLessThanOrEqualTo((int) Math.ceil(seconds) + 1);
            }
        }
        monitors.values().forEach(RedisMonitor::close);
    }

    @Test
    @Order(Integer.MAX_VALUE - 1)
    void aSlotMigratedUnderTrafficKeepsItsCountersAndEveryAdmissionIsAnswered() throws Exception {
        // given: admissions running while the account's slot moves to another master
        AccountLimits limits = account(null, 1_000_000L, null, null, null, null);
        int from = cluster.portOf(inflightKey(limits));
        int to = cluster.ports().stream().filter(port -> port != from).findFirst().orElseThrow();
        for (int i = 0; i < 20; i++) {
            assertThat(admit(limits, T0).admitted()).isTrue();
        }
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger admitted = new AtomicInteger(20);
        List<Throwable> failures = new ArrayList<>();
        Thread traffic = new Thread(() -> {
            while (running.get()) {
                try {
                    Decision decision = store.admit(limits, new Reservation("m-" + admitted.get(), 0, 0), T0, LEASE)
                            .toCompletionStage().toCompletableFuture().get();
                    assertThat(decision.admitted()).isTrue();
                    admitted.incrementAndGet();
                } catch (Exception | AssertionError e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            }
        });
        traffic.start();
        Thread.sleep(100);

        // when
        cluster.migrateSlot(cluster.slotOf(inflightKey(limits)), from, to);
        Thread.sleep(200);
        running.set(false);
        traffic.join();

        // then: nothing failed (ASK, TRYAGAIN and MOVED were followed), every admission counted once, on the new master
        assertThat(failures).isEmpty();
        assertThat(cluster.portOf(inflightKey(limits))).isEqualTo(to);
        assertThat(quotaCount(limits)).isEqualTo(admitted.get());
        try (RespClient newOwner = cluster.client(to)) {
            newOwner.command("CONFIG", "RESETSTAT");
            assertThat(admit(limits, T0).admitted()).isTrue();
            assertThat(newOwner.calls("evalsha") + newOwner.calls("eval")).isEqualTo(1);
        }
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void aLostMasterIsAShortOutageAfterWhichNoSlotIsLeakedAndOtherAccountsAreUntouched() throws Exception {
        // given: two accounts with slots held, one on the master that will be lost, one on another master
        RedisLimitStore shortTimeout = new RedisLimitStore(client, null, vertx, 300, TTL_MILLIS);
        await(shortTimeout.warmUp());
        int lost = cluster.ports().get(1);
        AccountLimits onLost = accountWhere(port -> port == lost, 10, 1_000L);
        AccountLimits elsewhere = accountWhere(port -> port != lost, 10, 1_000L);
        List<Lease> held = new ArrayList<>();
        for (AccountLimits limits : List.of(onLost, elsewhere)) {
            for (int i = 0; i < 3; i++) {
                String id = limits.account() + "-held-" + i;
                assertThat(await(shortTimeout.admit(limits, new Reservation(id, 0, 0), T0, LEASE)).admitted()).isTrue();
                held.add(new Lease(limits, id, 0, AccountLimits.tokenWindowStart(T0), 0, shortTimeout));
            }
        }

        // when: the master is killed
        cluster.kill(lost);
        // then: its accounts fail at once, as Admission sees it
        assertFails(shortTimeout.admit(onLost, new Reservation("during-1", 0, 0), T0, LEASE));
        // and once the cluster noticed, every account fails (CLUSTERDOWN, retried by the client past the timeout)
        cluster.awaitFailState(10_000);
        assertFails(shortTimeout.ping());
        assertFails(shortTimeout.admit(elsewhere, new Reservation("during-2", 0, 0), T0, LEASE));
        // requests that end meanwhile release their slots: the releases fail
        assertFails(shortTimeout.release(held.get(0), 0, 0));
        assertFails(shortTimeout.release(held.get(3), 0, 0));

        // when: the master comes back and the cluster settles
        cluster.restart(lost);
        cluster.awaitSettled(20_000);
        long settled = System.nanoTime();

        // then: the store answers again within 5 s (a probe's ping first, then an admission, as Admission does)
        Decision back = null;
        while (back == null && System.nanoTime() - settled < 5_000_000_000L) {
            if (succeeds(shortTimeout.ping())) {
                back = result(shortTimeout.admit(onLost, new Reservation("back", 0, 0), T0, LEASE));
            }
            if (back == null) {
                Thread.sleep(50);
            }
        }
        long recoveredMillis = (System.nanoTime() - settled) / 1_000_000;
        assertThat(back).as("admission within 5 s of the cluster settling").isNotNull();
        assertThat(back.admitted()).isTrue();
        System.out.printf("cluster: a lost master back on Redis %d ms after the cluster settled%n", recoveredMillis);

        // and no slot is leaked: the failed releases were sent again, the admission Redis ran after the timeout was
        // taken back; the lost master kept its counters (append-only file), the other account's are as they were
        awaitCounters(onLost, 2 + 1, 3 + 1);
        awaitCounters(elsewhere, 2, 3);
        shortTimeout.close();
    }

    private static void awaitCounters(AccountLimits limits, long inFlight, long quota) throws InterruptedException {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < deadline && (inFlight(limits) != inFlight || quotaCount(limits) != quota)) {
            Thread.sleep(100);
        }
        assertThat(inFlight(limits)).as("slots held by " + limits.account()).isEqualTo(inFlight);
        assertThat(quotaCount(limits)).as("requests counted for " + limits.account()).isEqualTo(quota);
    }

    static void assertFails(Future<?> call) {
        try {
            call.toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException expected) {
            return;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("expected the call to fail");
    }

    static boolean succeeds(Future<?> call) {
        return result(call) != null || call.succeeded();
    }

    static <T> T result(Future<T> call) {
        try {
            return call.toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception failed) {
            return null;
        }
    }

    /** The flush coalescing finds the socket of every master behind the Cluster connection (see {@link FlushCoalescing}). */
    @Test
    void flushCoalescingFindsTheSocketsBehindTheClusterConnection() {
        RedisConnection connection = await(client.connect());
        try {
            assertThat(FlushCoalescing.install(connection)).isEqualTo(3);
        } finally {
            connection.close();
        }
    }
}
