package dev.sluice.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.error.ProxyError;
import io.vertx.core.buffer.Buffer;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every golden fixture (see {@link Golden}): requests, JSON answers and streams, both directions. */
class GoldenTranslationTest {

    static List<Golden.Case> requests() {
        return Golden.cases("requests");
    }

    static List<Golden.Case> answers() {
        return Golden.cases("answers");
    }

    static List<Golden.Case> streams() {
        return Golden.cases("streams");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void translatesTheRequest(Golden.Case fixture) {
        if (fixture.has("error.json")) {
            JsonNode expected = fixture.json("error.json");
            ProxyError error = catchThrowableOfType(ProxyError.class, () -> fixture.translate("client.json"));
            assertThat(error).as("the request must be refused").isNotNull();
            assertThat(error.code()).isEqualTo(expected.get("code").asText());
            assertThat(error.param()).isEqualTo(expected.get("param").asText());
            assertThat(error.status()).isEqualTo(400);
            return;
        }
        JsonNode actual = Golden.normalisedJson(fixture.translate("client.json").body());
        if (fixture.record("backend.json", Golden.pretty(actual))) {
            return;
        }
        assertThat(actual).isEqualTo(fixture.json("backend.json"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("answers")
    void translatesTheJsonAnswer(Golden.Case fixture) {
        TranslatedRequest request = fixture.translate("request.json");
        Buffer backend = Buffer.buffer(fixture.bytes("backend.json"));
        if (!fixture.has("client.json") && fixture.name().startsWith("invalid-")) {
            assertThatThrownBy(() -> request.answer(backend)).isInstanceOf(InvalidProviderResponse.class);
            return;
        }
        JsonNode actual = Golden.normalisedJson(request.answer(backend));
        if (fixture.record("client.json", Golden.pretty(actual))) {
            return;
        }
        assertThat(actual).isEqualTo(fixture.json("client.json"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("streams")
    void translatesTheStream(Golden.Case fixture) {
        String actual = Golden.normalise(Golden.stream(fixture.translate("request.json"), List.of(fixture.bytes("backend.sse"))));
        if (fixture.record("client.sse", actual)) {
            return;
        }
        assertThat(actual).isEqualTo(fixture.text("client.sse"));
        assertThat(ClientStreams.problems(fixture.translation(), actual)).isEmpty();
    }

    /** Reads of any size give the same client stream: every split into two reads, and one byte at a time. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("streams")
    void givesTheSameStreamForEverySplit(Golden.Case fixture) {
        byte[] backend = fixture.bytes("backend.sse");
        TranslatedRequest request = fixture.translate("request.json");
        String whole = Golden.normalise(Golden.stream(request, List.of(backend)));
        for (int at = 0; at <= backend.length; at++) {
            List<byte[]> reads = List.of(Arrays.copyOfRange(backend, 0, at), Arrays.copyOfRange(backend, at, backend.length));
            assertThat(Golden.normalise(Golden.stream(request, reads))).as("split at byte %d", at).isEqualTo(whole);
        }
        List<byte[]> bytes = new java.util.ArrayList<>();
        for (byte b : backend) {
            bytes.add(new byte[] {b});
        }
        assertThat(Golden.normalise(Golden.stream(request, bytes))).as("one byte at a time").isEqualTo(whole);
    }

    @Test
    void theFixturesCoverBothDirectionsOfEveryKind() {
        for (String kind : List.of("requests", "answers", "streams")) {
            assertThat(Golden.cases(kind).stream().map(Golden.Case::translation).collect(Collectors.toSet()))
                    .as(kind).containsExactlyInAnyOrder(Translation.values());
        }
    }
}
