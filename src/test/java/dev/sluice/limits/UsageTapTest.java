package dev.sluice.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

/**
 * Which usage settles an answer (contract §4.2): a JSON answer's, a stream's final usage chunk; an Anthropic stream's
 * {@code message_start} gives the prompt's tokens but is not its final usage. And what it counts: settlement reads the
 * backend's bytes (before any translation), where Anthropic's cached prompt tokens are input tokens (contract §9
 * "usage") and OpenAI's prompt tokens already hold theirs.
 */
class UsageTapTest {

    private static final String MESSAGE_START = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":"
            + "{\"id\":\"msg_1\",\"content\":[],\"usage\":{\"input_tokens\":20,\"output_tokens\":1}}}\n\n";
    private static final String TEXT = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
            + "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}\n\n";
    private static final String MESSAGE_DELTA = "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":"
            + "{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":9}}\n\n";

    private static UsageTap tap(String... chunks) {
        UsageTap tap = new UsageTap();
        for (String chunk : chunks) {
            tap.accept(Buffer.buffer(chunk));
        }
        return tap;
    }

    @Test
    void anAnthropicStreamCutBeforeItsMessageDeltaHasNoFinalUsage() {
        UsageTap tap = tap(MESSAGE_START, TEXT);

        assertThat(tap.found()).isFalse();
    }

    @Test
    void anAnthropicStreamHasItsUsageOnceTheMessageDeltaCame() {
        UsageTap tap = tap(MESSAGE_START, TEXT, MESSAGE_DELTA);

        assertThat(tap.found()).isTrue();
        assertThat(tap.inputTokens()).isEqualTo(20);
        assertThat(tap.outputTokens()).isEqualTo(9);
    }

    @Test
    void theEventIsKnownWhereverTheChunksSplitIt() {
        String stream = MESSAGE_START + TEXT + MESSAGE_DELTA;
        int messageDelta = stream.indexOf("event: message_delta");
        for (int split = 1; split < stream.length(); split++) {
            UsageTap whole = tap(stream.substring(0, split), stream.substring(split));
            assertThat(whole.found()).as("split at %d", split).isTrue();
            assertThat(whole.inputTokens()).as("split at %d", split).isEqualTo(20);
            assertThat(whole.outputTokens()).as("split at %d", split).isEqualTo(9);
            if (split < messageDelta) {
                UsageTap cut = tap(stream.substring(0, split), stream.substring(split, messageDelta));
                assertThat(cut.found()).as("cut before message_delta, split at %d", split).isFalse();
            }
        }
    }

    @Test
    void aTextThatNamesTheEventDoesNotHideAJsonAnswersUsage() {
        UsageTap tap = tap("{\"id\":\"msg_1\",\"type\":\"message\",\"content\":[{\"type\":\"text\",\"text\":\"A stream opens "
                + "with \\\"message_start\\\", then message_start's usage.\"}],\"usage\":{\"input_tokens\":5,\"output_tokens\":7}}");

        assertThat(tap.found()).isTrue();
        assertThat(tap.inputTokens()).isEqualTo(5);
        assertThat(tap.outputTokens()).isEqualTo(7);
    }

    @Test
    void anOpenAiStreamsUsageChunkIsItsFinalUsage() {
        UsageTap tap = tap("data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n",
                "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,\"total_tokens\":7}}\n\n");

        assertThat(tap.found()).isTrue();
        assertThat(tap.inputTokens()).isEqualTo(3);
        assertThat(tap.outputTokens()).isEqualTo(4);
    }

    @Test
    void anOpenAiStreamWithoutAUsageChunkHasNone() {
        assertThat(tap("data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n").found()).isFalse();
    }

    // ---- the tokens each protocol counts

    @Test
    void anAnthropicStreamCountsCacheReadsAndWritesAsInput() {
        UsageTap tap = tap(
                "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"usage\":{\"input_tokens\":12,"
                        + "\"cache_creation_input_tokens\":200,\"cache_read_input_tokens\":1800,\"output_tokens\":1,"
                        + "\"cache_creation\":{\"ephemeral_5m_input_tokens\":200}}}}\n\n",
                "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
                        + "\"usage\":{\"output_tokens\":9}}\n\n");

        assertThat(tap.found()).isTrue();
        assertThat(tap.inputTokens()).isEqualTo(2012);
        assertThat(tap.outputTokens()).isEqualTo(9);
    }

    @Test
    void cumulativeCountsRepeatedInMessageDeltaAreNotCountedTwice() {
        UsageTap tap = tap(
                "data: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":10,\"cache_read_input_tokens\":90,\"output_tokens\":1}}}\n\n",
                "data: {\"type\":\"message_delta\",\"usage\":{\"input_tokens\":10,\"cache_read_input_tokens\":90,\"output_tokens\":40}}\n\n");

        assertThat(tap.inputTokens()).isEqualTo(100);
        assertThat(tap.outputTokens()).isEqualTo(40);
    }

    @Test
    void anAnthropicJsonAnswerCountsCacheTokensAsInput() {
        UsageTap tap = tap("{\"id\":\"msg_1\",\"content\":[],\"usage\":{\"input_tokens\":5,\"cache_creation_input_tokens\":0,"
                + "\"cache_read_input_tokens\":30,\"output_tokens\":7}}");

        assertThat(tap.inputTokens()).isEqualTo(35);
        assertThat(tap.outputTokens()).isEqualTo(7);
    }

    @Test
    void openAiPromptTokensAlreadyHoldTheirCachedTokens() {
        UsageTap tap = tap("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":2012,\"completion_tokens\":9,\"total_tokens\":2021,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":1920}}}\n\n");

        assertThat(tap.inputTokens()).isEqualTo(2012);
        assertThat(tap.outputTokens()).isEqualTo(9);
    }

    @Test
    void theUsageObjectMaySpanChunks() {
        UsageTap tap = tap("data: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":4,\"cache_re",
                "ad_input_tokens\":6,\"output_tokens\":1}}}\n\n");

        assertThat(tap.inputTokens()).isEqualTo(10);
    }
}
