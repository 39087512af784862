package dev.sluice.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class KeyRingTest {

    @Test
    void theHashOfAKeyIsItsSha256OnEveryThreadAndEveryTime() throws Exception {
        // FIPS 180-2's example: SHA-256("abc")
        String abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            var hashes = threads.invokeAll(IntStream.range(0, 400).<java.util.concurrent.Callable<String>>mapToObj(
                    i -> () -> HexFormat.of().formatHex(KeyRing.sha256(i % 2 == 0 ? "abc" : "sk-" + i))).toList());
            for (int i = 0; i < hashes.size(); i += 2) {
                assertThat(hashes.get(i).get()).isEqualTo(abc);
            }
            assertThat(hashes.stream().map(KeyRingTest::get).distinct()).hasSize(201);
        } finally {
            threads.shutdownNow();
        }
    }

    private static String get(Future<String> hash) {
        try {
            return hash.get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aKeyHeaderSentTwiceIsOneKeyWhenAlikeAndNoneWhenNot() {
        io.vertx.core.MultiMap same = io.vertx.core.MultiMap.caseInsensitiveMultiMap()
                .add("Authorization", "Bearer sk-a").add("authorization", "Bearer sk-a ");
        io.vertx.core.MultiMap unlike = io.vertx.core.MultiMap.caseInsensitiveMultiMap()
                .add("authorization", "Bearer sk-a").add("authorization", "Bearer sk-b").add("x-api-key", "sk-a");
        io.vertx.core.MultiMap apiKeys = io.vertx.core.MultiMap.caseInsensitiveMultiMap()
                .add("x-api-key", "sk-a").add("x-api-key", "sk-b");
        io.vertx.core.MultiMap both = io.vertx.core.MultiMap.caseInsensitiveMultiMap()
                .add("authorization", "Bearer sk-a").add("x-api-key", "sk-b");

        assertThat(KeyRing.presentedKey(same)).isEqualTo("sk-a");
        assertThat(KeyRing.conflicting(same)).isNull();
        assertThat(KeyRing.presentedKey(unlike)).isNull();
        assertThat(KeyRing.conflicting(unlike)).isEqualTo("authorization");
        assertThat(KeyRing.presentedKey(apiKeys)).isNull();
        assertThat(KeyRing.conflicting(apiKeys)).isEqualTo("x-api-key");
        // authorization wins over x-api-key (contract §2): one key each is no conflict
        assertThat(KeyRing.presentedKey(both)).isEqualTo("sk-a");
        assertThat(KeyRing.conflicting(both)).isNull();
        assertThat(KeyRing.presentedAdminKey(unlike)).isNull();
        assertThat(KeyRing.presentedAdminKey(same)).isEqualTo("sk-a");
    }

    @Test
    void oneBearerTokenSentTwiceWithTheSchemeInAnotherCaseIsOneKey() {
        io.vertx.core.MultiMap cases = io.vertx.core.MultiMap.caseInsensitiveMultiMap()
                .add("authorization", "Bearer sk-a").add("authorization", "bearer  sk-a");
        io.vertx.core.MultiMap schemes = io.vertx.core.MultiMap.caseInsensitiveMultiMap()
                .add("authorization", "Bearer sk-a").add("authorization", "Basic sk-a");

        assertThat(KeyRing.presentedKey(cases)).isEqualTo("sk-a");
        assertThat(KeyRing.conflicting(cases)).isNull();
        // another scheme is another credential: not the proxy's to guess which one counts
        assertThat(KeyRing.conflicting(schemes)).isEqualTo("authorization");
    }
}
