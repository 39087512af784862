package dev.sluice.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

class HeadersTest {

    @Test
    void namesAreMatchedWhateverTheirCase() {
        MultiMap client = MultiMap.caseInsensitiveMultiMap()
                .add("Connection", "Keep-Alive, X-Client-Hop").add("KEEP-ALIVE", "timeout=5").add("X-Client-Hop", "1")
                .add("TE", "trailers").add("Proxy-Authorization", "Basic x").add("Authorization", "Bearer sk")
                .add("X-Api-Key", "sk").add("Host", "sluice").add("Content-Length", "2").add("X-Request-ID", "req_1")
                .add("TraceParent", "00-1-2-01").add("X-Custom", "kept").add("Te-Extra", "kept too");
        MultiMap upstream = MultiMap.caseInsensitiveMultiMap();

        Headers.copyToUpstream(client, upstream, true);

        assertThat(upstream.names()).containsExactlyInAnyOrder("X-Custom", "Te-Extra");
    }

    @Test
    void aBackendsHopByHopHeadersAndRequestIdStayBehind() {
        MultiMap backend = MultiMap.caseInsensitiveMultiMap().add("Transfer-Encoding", "chunked")
                .add("Request-Id", "backend").add("X-REQUEST-ID", "backend").add("Content-Type", "application/json")
                .add("Upgrade", "h2c").add("X-Backend", "yes");
        MultiMap client = MultiMap.caseInsensitiveMultiMap();

        Headers.copyToClient(backend, client);

        assertThat(client.names()).containsExactlyInAnyOrder("Content-Type", "X-Backend");
    }

    @Test
    void aBackendsCorsHeadersStayBehind() {
        MultiMap backend = MultiMap.caseInsensitiveMultiMap().add("Access-Control-Allow-Origin", "*")
                .add("access-control-allow-credentials", "true").add("Access-Control-Expose-Headers", "*")
                .add("access-control-allow-methods", "POST").add("access-control-allow-headers", "authorization")
                .add("Access-Control-Max-Age", "600").add("Access-Control-Request-Method", "kept: not a response's")
                .add("Vary", "Origin").add("Content-Type", "application/json");
        MultiMap client = MultiMap.caseInsensitiveMultiMap();

        Headers.copyToClient(backend, client);

        assertThat(client.names()).containsExactlyInAnyOrder("Access-Control-Request-Method", "Vary", "Content-Type");
    }

    @Test
    void everyNameInEveryConnectionHeaderStaysBehindWhateverItsSpacing() {
        MultiMap backend = MultiMap.caseInsensitiveMultiMap().add("Connection", "keep-alive")
                .add("connection", " ,X-Hop-One , ,x-hop-two,").add("Keep-Alive", "timeout=5")
                .add("X-Hop-One", "1").add("X-HOP-TWO", "2").add("X-Kept", "3");
        MultiMap client = MultiMap.caseInsensitiveMultiMap();

        Headers.copyToClient(backend, client);

        assertThat(client.names()).containsExactly("X-Kept");
    }

    @Test
    void aConnectionHeaderNamingOnlyHopByHopHeadersDropsNothingElse() {
        MultiMap backend = MultiMap.caseInsensitiveMultiMap().add("Connection", "Keep-Alive")
                .add("Keep-Alive", "timeout=5").add("Content-Type", "application/json").add("X-Backend", "yes");
        MultiMap client = MultiMap.caseInsensitiveMultiMap();

        Headers.copyToClient(backend, client);

        assertThat(client.names()).containsExactlyInAnyOrder("Content-Type", "X-Backend");
    }
}
