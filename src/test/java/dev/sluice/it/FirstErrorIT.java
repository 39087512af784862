package dev.sluice.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.RawHttp;
import dev.sluice.testing.SluiceProcess;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The first error a process answers is as quick as the next: the request path encodes no JSON on success, and the
 * first envelope once loaded Jackson's databind on the event loop (0.3–0.9 s on 2 cores: under
 * {@code redis-failure: closed}, the first refusal of an outage came far past the 50 ms the contract promises).
 */
class FirstErrorIT {

    static final String REFUSED = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-nobody\r\n"
            + "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";

    @Test
    void theFirstErrorOfAProcessIsNotWhereItsJsonCodecIsLoaded() throws Exception {
        try (SluiceProcess sluice = SluiceProcess.start("first-error", null, Map.of())) {
            // the warm-up runs once the server listens, off the event loops
            Thread.sleep(1_500);
            long first = answeredWithin(sluice.port());
            long second = answeredWithin(sluice.port());

            // loading the codec took 250-900 ms here; an answer without it, a few
            assertThat(first).as("the first 401, in ms (the second took %d)", second).isLessThan(150);
        }
    }

    private static long answeredWithin(int port) {
        try (RawHttp client = RawHttp.connect(port)) {
            long start = System.nanoTime();
            RawHttp.Answer answer = client.send(REFUSED).read();
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(answer.status()).isEqualTo(401);
            assertThat(answer.body()).contains("\"code\":\"http_401\"");
            return millis;
        }
    }
}
