package dev.sluice.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

/** The rewrite of a backend's {@code Keep-Alive} header that keeps a pooled connection's idle time the proxy's own. */
class KeepAliveTest {

    private static MultiMap answer(String... headers) {
        MultiMap map = MultiMap.caseInsensitiveMultiMap();
        for (int i = 0; i + 1 < headers.length; i += 2) {
            map.add(headers[i], headers[i + 1]);
        }
        return map;
    }

    @Test
    void aLongerTimeoutThanTheProxysIsRemovedSoThatTheProxysOwnHolds() {
        MultiMap node = answer("Keep-Alive", "timeout=65", "content-type", "application/json");
        KeepAlive.bound(node, 4);
        assertThat(node.contains("keep-alive")).isFalse();
        assertThat(node.get("connection")).isNull();
        assertThat(node.get("content-type")).isEqualTo("application/json");

        MultiMap nodeDefault = answer("keep-alive", "timeout=5");
        KeepAlive.bound(nodeDefault, 4);
        assertThat(nodeDefault.contains("keep-alive")).as("5 − 1 s is the proxy's 4 s").isFalse();
    }

    @Test
    void aShorterTimeoutKeepsTheConnectionASecondLessThanTheBackend() {
        MultiMap headers = answer("Keep-Alive", "max=100, TIMEOUT=3");
        KeepAlive.bound(headers, 4);
        assertThat(headers.getAll("keep-alive")).containsExactly("timeout=2");
        assertThat(headers.get("connection")).isNull();

        MultiMap longOwn = answer("keep-alive", "timeout=30", "keep-alive", "timeout=1000");
        KeepAlive.bound(longOwn, 60);
        assertThat(longOwn.getAll("keep-alive")).as("the first one, as Vert.x reads it, and only it")
                .containsExactly("timeout=28");
    }

    @Test
    void aTimeoutWithoutASecondsMarginClosesTheConnectionAfterTheAnswer() {
        for (String value : new String[] {"timeout=1", "timeout=0", " timeout=0 , max=5"}) {
            MultiMap headers = answer("keep-alive", value);
            KeepAlive.bound(headers, 4);
            assertThat(headers.contains("keep-alive")).as(value).isFalse();
            assertThat(headers.get("connection")).as(value).isEqualTo("close");
        }
    }

    @Test
    void theHeadersTheBackendsConnectionHeaderNamedStayHopByHopWhenItBecomesClose() {
        MultiMap headers = answer("connection", "keep-alive, x-backend-hop", "x-backend-hop", "1",
                "keep-alive", "timeout=1", "x-request-cost", "3");
        KeepAlive.bound(headers, 4);
        assertThat(headers.getAll("connection")).containsExactly("close");
        assertThat(headers.contains("x-backend-hop")).isFalse();
        assertThat(headers.get("x-request-cost")).isEqualTo("3");
    }

    @Test
    void aHeaderWithoutAReadableTimeoutIsRemoved() {
        for (String value : new String[] {"max=100", "timeout=", "timeout=5s", "timeout=-3", "", "timeout=99999999999"}) {
            MultiMap headers = answer("keep-alive", value);
            KeepAlive.bound(headers, 4);
            assertThat(headers.contains("keep-alive")).as(value).isFalse();
            assertThat(headers.get("connection")).as(value).isNull();
        }
        MultiMap none = answer("content-type", "text/event-stream");
        KeepAlive.bound(none, 4);
        assertThat(none.names()).containsExactly("content-type");
    }

    @Test
    void theTimeoutParameterIsReadAsSecondsCappedAtADay() {
        assertThat(KeepAlive.timeoutSeconds("timeout=5")).isEqualTo(5);
        assertThat(KeepAlive.timeoutSeconds("max=1000, timeout=19")).isEqualTo(19);
        assertThat(KeepAlive.timeoutSeconds("Timeout=7,max=2")).isEqualTo(7);
        assertThat(KeepAlive.timeoutSeconds("timeout=99999999999")).isEqualTo(86_400);
        assertThat(KeepAlive.timeoutSeconds("timeout=5.5")).isEqualTo(-1);
        assertThat(KeepAlive.timeoutSeconds("max=5")).isEqualTo(-1);
    }

    @Test
    void theWrittenTimeoutIsOneVertxReads() {
        // Vert.x 4.5 ignores a timeout with a 9 in it, which would leave the connection at the proxy's longer value
        assertThat(KeepAlive.readableByVertx(8)).isEqualTo(8);
        assertThat(KeepAlive.readableByVertx(9)).isEqualTo(8);
        assertThat(KeepAlive.readableByVertx(19)).isEqualTo(18);
        assertThat(KeepAlive.readableByVertx(95)).isEqualTo(88);
        assertThat(KeepAlive.readableByVertx(1)).isEqualTo(1);
        MultiMap headers = answer("keep-alive", "timeout=20");
        KeepAlive.bound(headers, 30);
        assertThat(headers.get("keep-alive")).isEqualTo("timeout=18");
    }
}
