package dev.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

class StopReasonWatchTest {

    private static boolean seenAfter(String... chunks) {
        StopReasonWatch watch = new StopReasonWatch();
        for (String chunk : chunks) {
            watch.accept(Buffer.buffer(chunk));
        }
        return watch.seen();
    }

    @Test
    void aNonNullReasonIsSeenWhateverTheSpacing() {
        assertThat(seenAfter("data: {\"choices\":[{\"finish_reason\":\"stop\"}]}\n\n")).isTrue();
        assertThat(seenAfter("data: {\"choices\":[{\"finish_reason\" :  \"length\"}]}\n\n")).isTrue();
        assertThat(seenAfter("data: {\"delta\":{\"stop_reason\":\"end_turn\"}}\n\n")).isTrue();
    }

    @Test
    void aNullReasonIsNot() {
        assertThat(seenAfter("data: {\"choices\":[{\"delta\":{\"content\":\"a\"},\"finish_reason\":null}]}\n\n",
                "data: {\"message\":{\"stop_reason\": null}}\n\n")).isFalse();
    }

    @Test
    void aKeyOrItsValueSplitBetweenChunksIsSeen() {
        String event = "data: {\"choices\":[{\"delta\":{},\"finish_reason\": \"stop\"}]}\n\n";
        for (int cut = 1; cut < event.length(); cut++) {
            assertThat(seenAfter(event.substring(0, cut), event.substring(cut))).as("cut at %d", cut).isTrue();
        }
        assertThat(seenAfter("{\"fin", "ish_re", "ason\"", ":", "\"stop\"")).isTrue();
    }

    @Test
    void theWordsInAnAnswersTextAreNotAKey() {
        assertThat(seenAfter("data: {\"delta\":{\"content\":\"finish_reason: stop\"}}\n\n")).isFalse();
    }
}
