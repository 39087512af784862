package dev.sluice.limits;

import static dev.sluice.limits.ClusterLimitStoreTest.assertFails;
import static dev.sluice.limits.ClusterLimitStoreTest.histogram;
import static dev.sluice.limits.ClusterLimitStoreTest.result;
import static dev.sluice.limits.ClusterLimitStoreTest.succeeds;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.RedisMonitor;
import dev.sluice.testing.RespClient;
import dev.sluice.testing.TestRedisSentinel;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisRole;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The limit store contract on a real Sentinel set-up ({@code quarkus.redis.client-type: sentinel}: a primary, a
 * replica, three sentinels), plus the primary's commands per admission and failovers, crashed and requested.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SentinelLimitStoreTest extends LimitStoreContract {

    static TestRedisSentinel sentinels;
    static Vertx vertx;
    static Redis client;
    static RedisLimitStore store;

    @BeforeAll
    static void start() {
        sentinels = TestRedisSentinel.start();
        vertx = Vertx.vertx();
        client = Redis.createClient(vertx, options(sentinels.hosts()));
        store = new RedisLimitStore(client, null, vertx, 2_000, 1_000);
        await(store.warmUp());
    }

    @AfterAll
    static void stop() {
        if (store != null) {
            store.close();
            client.close();
            vertx.close();
        }
        if (sentinels != null) {
            sentinels.close();
        }
    }

    /** The Quarkus client as application.properties configures it, with {@code client-type: sentinel}. */
    static RedisOptions options(String hosts) {
        return new RedisOptions().setType(RedisClientType.SENTINEL).setEndpoints(List.of(hosts.split(",")))
                .setMasterName(TestRedisSentinel.MASTER_NAME).setRole(RedisRole.MASTER).setAutoFailover(true)
                .setMaxPoolSize(32).setMaxPoolWaiting(10_000).setMaxWaitingHandlers(10_000).setTopologyCacheTTL(1_000);
    }

    @Override
    LimitStore store() {
        return store;
    }

    static long inFlight(AccountLimits limits) {
        try (RespClient primary = sentinels.client(sentinels.primaryPort())) {
            return primary.number("ZCARD", RedisLimitStore.Keys.inflight(limits.account()));
        }
    }

    static long quotaOn(int port, AccountLimits limits) {
        try (RespClient server = sentinels.client(port)) {
            return server.number("GET", RedisLimitStore.Keys.quota(limits.account(), limits.quotaWindowStart(T0)));
        }
    }

    static long quotaCount(AccountLimits limits) {
        try (RespClient primary = sentinels.client(sentinels.primaryPort())) {
            return primary.number("GET", RedisLimitStore.Keys.quota(limits.account(), limits.quotaWindowStart(T0)));
        }
    }

    @Test
    void admissionIsOneEvalshaOnThePrimaryAndNoSentinelIsAskedAgain() throws Exception {
        // given
        AccountLimits limits = account(1_000, 1_000_000L, null, null, null, null);
        admit(limits, T0);
        RedisMonitor primary = RedisMonitor.of(sentinels.client(sentinels.primaryPort()));
        long started = System.nanoTime();

        // when: 200 admissions back to back, then 3 slower than the topology cache's TTL (the pace at which the issue
        // saw SENTINEL GET-MASTER-ADDR-BY-NAME, SENTINELS and SLAVES before every EVALSHA)
        for (int i = 0; i < 200; i++) {
            admit(limits, T0);
        }
        for (int i = 0; i < 3; i++) {
            Thread.sleep(1_100);
            admit(limits, T0);
        }
        double seconds = (System.nanoTime() - started) / 1e9;

        // then: the primary ran one EVALSHA per admission and nothing else, besides the store's check of which server
        // answers (one INFO a second, whatever the admissions)
        Map<String, Integer> commands = histogram(primary.commands());
        assertThat(commands.getOrDefault("info", 0)).isLessThanOrEqualTo((int) Math.ceil(seconds) + 1);
        commands.remove("info");
        assertThat(commands).isEqualTo(Map.of("evalsha", 203));
        primary.close();
        // and no sentinel answered this client a command since before the admissions began
        assertThat(sentinels.secondsSinceTheLastClientCommand()).isGreaterThanOrEqualTo((long) Math.floor(seconds) - 1);
    }

    /**
     * Besides the story below: a store whose client does not follow the switch notice (as when the sentinel it asks on
     * the notice has not learned of the switch yet) would stay on the old primary, which takes writes until the
     * Sentinels demote it and loses them then: four hello periods, 8 s with Redis' default period, which this test
     * sets for the failover. The store's check of the Sentinels' primary moves it within a second or two.
     */
    @Test
    @Order(Integer.MAX_VALUE - 1)
    void aRequestedFailoverIsAShortOutageAfterWhichNoSlotIsLeaked() throws Exception {
        Redis deaf = Redis.createClient(vertx, options(sentinels.hosts()).setAutoFailover(false));
        RedisLimitStore watching = new RedisLimitStore(deaf, null, vertx, 300, 1_000);
        watching.followSentinels(SentinelView.of(vertx, options(sentinels.hosts())));
        AccountLimits counted = account(null, 1_000_000L, null, null, null, null);
        try {
            await(watching.warmUp());
            assertThat(await(watching.admit(counted, new Reservation("before", 0, 0), T0, LEASE)).admitted()).isTrue();
            sentinels.publishPeriod(2_000);
            // the old primary stays up and becomes the replica the next story needs
            failover(sentinels::forceFailover, false, "requested failover", (newPrimary, agreed) -> {
                // then: within 3 s of the sentinels agreeing, the deaf client's admissions are counted on the new
                // primary (without the check, the old primary counted them until its demotion, 8 s after the switch)
                boolean moved = anAdmissionCountsOn(newPrimary, watching, counted, "after-", agreed + 3_000_000_000L);
                System.out.printf("sentinel, requested failover, a client deaf to the switch notice: on the new primary"
                        + " %d ms after the sentinels agreed%n", (System.nanoTime() - agreed) / 1_000_000);
                assertThat(moved).as("an admission counted on the new primary within 3 s of the failover").isTrue();
                sentinels.publishPeriod(500);
            });
        } finally {
            sentinels.publishPeriod(500);
            watching.close();
            deaf.close();
        }
    }

    /** What a story checks right after the sentinels agreed on the new primary (its port; when, System.nanoTime). */
    interface AfterTheSwitch {
        void check(int newPrimary, long agreedNanos) throws Exception;
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void aCrashedPrimaryIsAShortOutageAfterWhichNoSlotIsLeaked() throws Exception {
        failover(sentinels::killPrimary, true, "crashed primary", (newPrimary, agreed) -> { });
    }

    /**
     * The story of one failover: slots held by two accounts, the primary replaced, a request ending during the outage;
     * then the store back within 5 s of the sentinels agreeing on the new primary, its slot freed, no other counter moved.
     *
     * @param crashed whether the primary crashed; when it was asked to step down instead, it takes writes until it is
     *     demoted, which replication does not carry over (Redis' own window), so nothing is sent until it is replaced
     */
    private void failover(IntSupplier replacePrimary, boolean crashed, String what, AfterTheSwitch afterTheSwitch)
            throws Exception {
        // given
        RedisLimitStore shortTimeout = new RedisLimitStore(client, null, vertx, 300, 1_000);
        // an earlier failover of this class may still be settling: the first connection may take a few tries
        for (int attempt = 1; ; attempt++) {
            try {
                await(shortTimeout.warmUp());
                break;
            } catch (AssertionError notYet) {
                if (attempt >= 50) {
                    throw notYet;
                }
                Thread.sleep(100);
            }
        }
        AccountLimits ending = account(10, 1_000L, null, null, null, null);
        AccountLimits other = account(10, 1_000L, null, null, null, null);
        List<Lease> held = new ArrayList<>();
        for (AccountLimits limits : List.of(ending, other)) {
            for (int i = 0; i < 3; i++) {
                String id = limits.account() + "-held-" + i;
                assertThat(await(shortTimeout.admit(limits, new Reservation(id, 0, 0), T0, LEASE)).admitted()).isTrue();
                held.add(new Lease(limits, id, 0, AccountLimits.tokenWindowStart(T0), 0, shortTimeout));
            }
        }
        // the client follows a switch notice with a fresh look-up of the primary only once its topology cache (filled
        // when these connections opened) is older than its TTL
        Thread.sleep(1_100);

        // when: the primary goes (the replica has every write)
        int old = replacePrimary.getAsInt();
        long replaced = System.nanoTime();
        if (crashed) {
            // then: admissions fail at once, as Admission sees it; a request that ends releases its slot, which fails
            assertFails(shortTimeout.admit(ending, new Reservation("during", 0, 0), T0, LEASE));
            assertFails(shortTimeout.release(held.get(0), 0, 0));
        }
        int newPrimary = sentinels.awaitNewPrimary(old, 30_000);
        long settled = System.nanoTime();
        afterTheSwitch.check(newPrimary, settled);

        // then: back on Redis within 5 s of the sentinels switching (a probe's ping, then an admission that the new
        // primary counts; one the old primary took before its demotion is lost with it)
        boolean back = anAdmissionCountsOn(newPrimary, shortTimeout, ending, "back-", settled + 5_000_000_000L);
        long recoveredMillis = (System.nanoTime() - settled) / 1_000_000;
        assertThat(back).as("an admission on the new primary within 5 s of the failover").isTrue();
        if (!crashed) {
            // a request that ends now releases its slot on the new primary
            await(shortTimeout.release(held.get(0), 0, 0));
        }
        System.out.printf("sentinel, %s: failover took %d ms; back on Redis %d ms after the sentinels agreed%n", what,
                (settled - replaced) / 1_000_000, recoveredMillis);

        // and no slot is leaked, no other counter moved
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline && inFlight(ending) != 3) {
            Thread.sleep(100);
        }
        assertThat(inFlight(ending)).isEqualTo(2 + 1);
        assertThat(quotaCount(ending)).isEqualTo(3 + 1);
        assertThat(inFlight(other)).isEqualTo(3);
        assertThat(quotaCount(other)).isEqualTo(3);
        shortTimeout.close();
    }

    /**
     * Whether an admission through {@code store} is counted on {@code primary} before {@code deadlineNanos} (once the
     * store answers a ping; admissions it takes elsewhere meanwhile are lost with that server).
     */
    private static boolean anAdmissionCountsOn(int primary, RedisLimitStore store, AccountLimits limits, String ids,
            long deadlineNanos) throws InterruptedException {
        for (int attempt = 0; System.nanoTime() < deadlineNanos; attempt++) {
            if (succeeds(store.ping())) {
                long before = quotaOn(primary, limits);
                Decision decision = result(store.admit(limits, new Reservation(ids + attempt, 0, 0), T0, LEASE));
                if (decision != null && decision.admitted() && quotaOn(primary, limits) == before + 1) {
                    return true;
                }
            }
            Thread.sleep(50);
        }
        return false;
    }

    /** The Sentinels' answer read as the limit store reads it (the client speaks RESP3 to them: a map). */
    @Test
    void theSentinelViewNamesThePrimaryTheSentinelsAgreeOn() {
        SentinelView view = SentinelView.of(vertx, options(sentinels.hosts()));
        try {
            int port = sentinels.primaryPort();
            String runId;
            try (RespClient primary = sentinels.client(port)) {
                runId = ((String) primary.command("INFO", "server")).lines().filter(line -> line.startsWith("run_id:"))
                        .findFirst().orElseThrow().substring("run_id:".length()).trim();
            }

            SentinelView.Primary named = await(view.primary());

            assertThat(named.address()).isEqualTo("127.0.0.1:" + port);
            assertThat(named.runId()).isEqualTo(runId);
            assertThat(named.epoch()).isGreaterThanOrEqualTo(0);
        } finally {
            view.close();
        }
    }

    /** The flush coalescing finds the socket of the primary behind the Sentinel connection (see {@link FlushCoalescing}). */
    @Test
    void flushCoalescingFindsTheSocketsBehindTheSentinelConnection() {
        RedisConnection connection = await(client.connect());
        try {
            assertThat(FlushCoalescing.install(connection)).isEqualTo(1);
        } finally {
            connection.close();
        }
    }
}
