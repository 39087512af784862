package dev.sluice.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * The runtime keys and accounts as the Redis store keeps them: what Sluice writes reads back the same, and an entry
 * written by hand or by another version is refused with the field that is wrong named (the store then leaves that
 * entry out and applies the others).
 */
class StoredEntriesTest {

    private static final String HASH = "ab".repeat(32);

    @Test
    void anAccountReadsBackAsItWasStored() {
        RuntimeAccount account = new RuntimeAccount("acme", Optional.of("pro"), OptionalInt.of(4), OptionalLong.of(100),
                Optional.of(Duration.ofHours(1)), OptionalDouble.of(2.5), OptionalDouble.of(10), OptionalLong.of(50_000));

        assertThat(RuntimeAccount.fromStored("acme", new JsonObject(account.toStored().encode()))).isEqualTo(account);
    }

    @Test
    void anAccountWithoutLimitsAndNullFieldsReadsAsWithoutLimits() {
        RuntimeAccount read = RuntimeAccount.fromStored("empty", new JsonObject("{\"concurrency\":null,\"plan\":null}"));

        assertThat(read).isEqualTo(new RuntimeAccount("empty", Optional.empty(), OptionalInt.empty(),
                OptionalLong.empty(), Optional.empty(), OptionalDouble.empty(), OptionalDouble.empty(),
                OptionalLong.empty()));
    }

    @Test
    void anAccountFieldOfTheWrongKindIsNamed() {
        assertThat(accountProblem("{\"concurrency\":\"lots\"}")).isEqualTo("field concurrency is not a whole number: \"lots\"");
        assertThat(accountProblem("{\"concurrency\":2.5}")).isEqualTo("field concurrency is not a whole number: 2.5");
        assertThat(accountProblem("{\"concurrency\":3000000000}"))
                .isEqualTo("field concurrency is not a whole number below 2^31: 3000000000");
        assertThat(accountProblem("{\"requests-per-window\":[1]}"))
                .isEqualTo("field requests-per-window is not a whole number: [1]");
        assertThat(accountProblem("{\"window\":\"soon\"}")).isEqualTo("field window is not a duration: \"soon\"");
        assertThat(accountProblem("{\"rate\":\"fast\"}")).isEqualTo("field rate is not a number: \"fast\"");
        assertThat(accountProblem("{\"plan\":7}")).isEqualTo("field plan is not a string: 7");
    }

    @Test
    void aKeyReadsBackAsItWasStored() {
        RuntimeKey key = new RuntimeKey("key_1", hash(), "acme", "ci", List.of("m1", "m2"), List.of("openai"),
                1_700_000_000_000L, 1_800_000_000_000L);

        RuntimeKey read = RuntimeKey.fromStored(new JsonObject(key.toStored().encode()));

        assertThat(read.sha256()).isEqualTo(key.sha256());
        assertThat(read).usingRecursiveComparison().ignoringFields("sha256").isEqualTo(key);
    }

    @Test
    void aKeyFieldOfTheWrongKindOrMissingIsNamed() {
        assertThat(keyProblem("{\"id\":\"k\",\"account\":\"a\"}")).isEqualTo("field sha256 is missing");
        assertThat(keyProblem("{\"id\":\"k\",\"account\":\"a\",\"sha256\":\"abcd\"}"))
                .isEqualTo("field sha256 is not a SHA-256 in hex: \"abcd\"");
        assertThat(keyProblem("{\"id\":\"k\",\"account\":\"a\",\"sha256\":\"zz" + HASH.substring(2) + "\"}"))
                .startsWith("field sha256 is not a SHA-256 in hex: \"zz");
        assertThat(keyProblem("{\"id\":\"k\",\"sha256\":\"" + HASH + "\"}")).isEqualTo("field account is missing");
        assertThat(keyProblem("{\"account\":\"a\",\"sha256\":\"" + HASH + "\"}")).isEqualTo("field id is missing");
        assertThat(keyProblem("{\"id\":\"k\",\"account\":\"a\",\"sha256\":\"" + HASH + "\",\"models\":[1]}"))
                .isEqualTo("field models is not an array of strings: [1]");
        // an unknown protocol would otherwise fail later, when the key is applied, and stop every other change
        assertThat(keyProblem("{\"id\":\"k\",\"account\":\"a\",\"sha256\":\"" + HASH + "\",\"protocols\":[\"grpc\"]}"))
                .isEqualTo("field protocols is not a list of openai and anthropic: [\"grpc\"]");
        assertThat(keyProblem("{\"id\":\"k\",\"account\":\"a\",\"sha256\":\"" + HASH + "\",\"expires_at\":\"never\"}"))
                .isEqualTo("field expires_at is not a whole number: \"never\"");
    }

    private static String accountProblem(String stored) {
        return problem(() -> RuntimeAccount.fromStored("acme", new JsonObject(stored)));
    }

    private static String keyProblem(String stored) {
        return problem(() -> RuntimeKey.fromStored(new JsonObject(stored)));
    }

    private static String problem(Runnable read) {
        Throwable[] thrown = new Throwable[1];
        assertThatThrownBy(read::run).isInstanceOf(IllegalArgumentException.class).satisfies(e -> thrown[0] = e);
        return thrown[0].getMessage();
    }

    private static byte[] hash() {
        return java.util.HexFormat.of().parseHex(HASH);
    }
}
