package dev.sluice.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.limits.UsageTap;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

/**
 * Token limits and credits settle from the backend's bytes (before translation) as from any other answer: Anthropic's
 * cached prompt tokens are input tokens (contract §9 "usage"), OpenAI's usage counts as it always did.
 */
class UsageTapCacheTokensTest {

    private static UsageTap tap(String... chunks) {
        UsageTap tap = new UsageTap();
        for (String chunk : chunks) {
            tap.accept(Buffer.buffer(chunk));
        }
        return tap;
    }

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
