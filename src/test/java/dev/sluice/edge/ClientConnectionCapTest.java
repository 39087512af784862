package dev.sluice.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.ConfigProblems;
import dev.sluice.testing.BackendsResource;
import dev.sluice.testing.ProxyProfile;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.Scrape;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * {@code sluice.max-client-connections}: past it, a new client connection is closed as soon as it is accepted and
 * counted; the connections already open are served, a slot frees when one closes, and the management interface (its
 * own port, which the scrapes use) stays reachable. Unset, the cap follows the open-file limit, so that the process
 * never runs out of files.
 */
@QuarkusTest
@TestProfile(ClientConnectionCapTest.Profile.class)
class ClientConnectionCapTest {

    static final int CAP = 3;
    static final String MODELS = "GET /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + ProxyProfile.KEY
            + "\r\n\r\n";

    public static class Profile implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(BackendsResource.of("m"));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>();
            config.put("sluice.accounts.acme.concurrency", "100");
            ProxyProfile.keys(config);
            ProxyProfile.model(config, "chat", null, "m");
            config.put("sluice.max-client-connections", String.valueOf(CAP));
            return config;
        }
    }

    @Test
    void aConnectionPastTheCapIsClosedAtOnceAndTheOpenOnesAreServed() throws Exception {
        List<RawHttp> open = new ArrayList<>();
        try {
            // given: as many kept-alive connections as the cap, each served
            double refusedBefore = Scrape.now().value("sluice_client_connections_refused_total");
            for (int i = 0; i < CAP; i++) {
                RawHttp client = RawHttp.connect(RestAssured.port);
                open.add(client);
                assertThat(client.send(MODELS).read().status()).isEqualTo(200);
            }
            Scrape full = Scrape.now();
            assertThat(full.value("sluice_client_connections")).isEqualTo(CAP);
            assertThat(full.value("sluice_client_connections_max")).isEqualTo(CAP);

            // when: one more connects
            try (RawHttp extra = RawHttp.connect(RestAssured.port)) {
                // then: it is closed without an answer, and counted
                assertThat(extra.closedByPeer()).isTrue();
            }
            assertThat(Scrape.now().value("sluice_client_connections_refused_total")).isEqualTo(refusedBefore + 1);

            // and: the open ones are still served
            for (RawHttp client : open) {
                assertThat(client.send(MODELS).read().status()).isEqualTo(200);
            }

            // and: once one closes, a new connection is served
            open.remove(0).close();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (Scrape.now().value("sluice_client_connections") > CAP - 1 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            RawHttp next = RawHttp.connect(RestAssured.port);
            open.add(next);
            assertThat(next.send(MODELS).read().status()).isEqualTo(200);
            assertThat(Scrape.now().value("sluice_client_connections_refused_total")).isEqualTo(refusedBefore + 1);
        } finally {
            open.forEach(RawHttp::close);
        }
    }

    @Test
    void withoutASettingTheCapIsHalfOfWhatTheOpenFileLimitLeavesAfterAReserve() {
        assertThat(ClientConnections.defaultFor(20_000)).isEqualTo((20_000 - 312) / 2);
        assertThat(ClientConnections.defaultFor(1_024)).isEqualTo((1_024 - 64) / 2);
        assertThat(ClientConnections.defaultFor(1_048_576)).isEqualTo((1_048_576 - 1_024) / 2);
        assertThat(ClientConnections.of(OptionalInt.empty(), OptionalLong.of(20_000)).max()).isEqualTo(9_844);
        assertThat(ClientConnections.of(OptionalInt.of(7), OptionalLong.of(20_000)).max()).isEqualTo(7);
        assertThat(ClientConnections.of(OptionalInt.empty(), OptionalLong.empty()).max()).isEqualTo(Integer.MAX_VALUE);
        // this JVM knows its limit
        assertThat(ClientConnections.openFileLimit()).isPresent();
    }

    @Test
    void aCapBelowOneIsNamed() {
        ConfigProblems zero = new ConfigProblems();
        ConfigProblems one = new ConfigProblems();

        EdgeGuard.check(OptionalInt.of(0), zero);
        EdgeGuard.check(OptionalInt.of(1), one);

        assertThat(zero.list()).containsExactly("sluice.max-client-connections: must be at least 1 (was 0)");
        assertThat(one.list()).isEmpty();
    }
}
