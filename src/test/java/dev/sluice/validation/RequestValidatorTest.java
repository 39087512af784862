package dev.sluice.validation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.body.BodyScanner;
import dev.sluice.error.ProxyError;
import dev.sluice.api.Endpoint;
import dev.sluice.routing.ModelRoute;
import dev.sluice.routing.Protocol;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The rules the contract leaves open, as {@link RequestValidator}'s javadoc states them. */
class RequestValidatorTest {

    private static ProxyError check(Endpoint endpoint, String body) {
        return Fixtures.check(endpoint, body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aParameterSentAsNullIsNotUsedSoNotUnsupported() {
        assertThat(check(Endpoint.CHAT_COMPLETIONS, "{\"model\":\"small-4k\",\"messages\":[],\"logit_bias\":null}")).isNull();
        assertThat(check(Endpoint.CHAT_COMPLETIONS, "{\"model\":\"small-4k\",\"messages\":[],\"logit_bias\":{}}").code())
                .isEqualTo("unsupported_parameter");
    }

    @Test
    void anIntegerMayBeWrittenWithAZeroFraction() {
        assertThat(check(Endpoint.CHAT_COMPLETIONS, "{\"model\":\"large-128k\",\"messages\":[],\"n\":2.0,\"seed\":7}"))
                .isNull();
    }

    @Test
    void embeddingsReserveNoOutputTokens() {
        String fits = "{\"model\":\"tiny-1k\",\"input\":\"" + "x".repeat(4096) + "\"}";
        String over = "{\"model\":\"tiny-1k\",\"input\":\"" + "x".repeat(4097) + "\"}";

        assertThat(check(Endpoint.EMBEDDINGS, fits)).isNull();
        ProxyError error = check(Endpoint.EMBEDDINGS, over);
        assertThat(error.code()).isEqualTo("context_length_exceeded");
        assertThat(error.fields()).containsEntry("prompt_tokens", 1025L).containsEntry("max_tokens", 0L);
    }

    @Test
    void aRequestThatExactlyFillsTheWindowPasses() {
        // 8 characters = 2 tokens, + 1022 = 1024
        assertThat(check(Endpoint.CHAT_COMPLETIONS,
                "{\"model\":\"tiny-1k\",\"max_tokens\":1022,\"messages\":[{\"role\":\"user\",\"content\":\"12345678\"}]}"))
                .isNull();
        assertThat(check(Endpoint.CHAT_COMPLETIONS,
                "{\"model\":\"tiny-1k\",\"max_tokens\":1023,\"messages\":[{\"role\":\"user\",\"content\":\"12345678\"}]}")
                .code()).isEqualTo("context_length_exceeded");
    }

    @Test
    void suggestsOnlyModelsWithAWindowThatFitsSmallestFirstInConfigurationOrderOnTies() {
        // given
        ModelRoute asked = Fixtures.route("asked", Protocol.OPENAI, 100, Set.of());
        List<ModelRoute> reachable = List.of(asked,
                Fixtures.route("huge", Protocol.OPENAI, 10_000, Set.of()),
                Fixtures.route("no-window", Protocol.OPENAI, 0, Set.of()),
                Fixtures.route("mid-b", Protocol.OPENAI, 2_000, Set.of()),
                Fixtures.route("too-small", Protocol.OPENAI, 500, Set.of()),
                Fixtures.route("mid-a", Protocol.OPENAI, 2_000, Set.of()));
        byte[] body = "{\"model\":\"asked\",\"messages\":[],\"max_tokens\":1000}".getBytes(StandardCharsets.UTF_8);
        ObjectNode tree = BodyScanner.scan(body, body.length, true).tree();

        // when
        ProxyError error = null;
        try {
            RequestValidator.checkForModel(Endpoint.CHAT_COMPLETIONS, tree, asked, 1000, TokenEstimator.promptTokens(Endpoint.CHAT_COMPLETIONS, tree), () -> reachable);
        } catch (ProxyError e) {
            error = e;
        }

        // then
        assertThat(error).isNotNull();
        assertThat(error.fields().get("suggested_models").toString()).isEqualTo("[\"mid-b\",\"mid-a\",\"huge\"]");
    }

    @Test
    void aModelWithoutAWindowIsNeverCheckedForLength() {
        assertThat(check(Endpoint.CHAT_COMPLETIONS, "{\"model\":\"unbounded\",\"messages\":[],\"max_tokens\":2000000000}"))
                .isNull();
    }

    @Test
    void responsesDoNotJudgeCallIdsThatMayLiveOnTheServer() {
        String output = "{\"type\":\"function_call_output\",\"call_id\":\"call_9\",\"output\":\"1\"}";
        assertThat(check(Endpoint.RESPONSES, "{\"model\":\"large-128k\",\"previous_response_id\":\"resp_1\",\"input\":["
                + output + "]}")).isNull();
        assertThat(check(Endpoint.RESPONSES, "{\"model\":\"large-128k\",\"conversation\":\"conv_1\",\"input\":["
                + output + "]}")).isNull();
        assertThat(check(Endpoint.RESPONSES, "{\"model\":\"large-128k\",\"input\":[" + output + "]}").code())
                .isEqualTo("orphan_tool_message");
    }

    @Test
    void aMessageThreadsContinuationDoesNotJudgeToolUseIdsThatLiveInTheThread() {
        // the Anthropic SDK's tool runner's second turn: only the new user turn, its tool_use kept by the backend
        String result = "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\","
                + "\"tool_use_id\":\"toolu_abc\",\"content\":\"sunny\"}]}]";
        assertThat(check(Endpoint.MESSAGES, "{\"model\":\"claude-200k\",\"max_tokens\":5," + result
                + ",\"thread\":{\"type\":\"continue\",\"previous_message_id\":\"msg_1\"}}")).isNull();
        // a thread just created, or none, holds no earlier turn: the id must come from the request
        assertThat(check(Endpoint.MESSAGES, "{\"model\":\"claude-200k\",\"max_tokens\":5," + result
                + ",\"thread\":{\"type\":\"create\"}}").code()).isEqualTo("orphan_tool_message");
        assertThat(check(Endpoint.MESSAGES, "{\"model\":\"claude-200k\",\"max_tokens\":5," + result + "}").code())
                .isEqualTo("orphan_tool_message");
        // an id that is there but empty is still refused
        assertThat(check(Endpoint.MESSAGES, "{\"model\":\"claude-200k\",\"max_tokens\":5,\"messages\":[{\"role\":"
                + "\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"\"}]}],\"thread\":{\"type\":"
                + "\"continue\",\"previous_message_id\":\"msg_1\"}}").code()).isEqualTo("missing_tool_call_id");
    }

    @Test
    void unknownFieldsPartTypesAndBlockTypesPass() {
        assertThat(check(Endpoint.CHAT_COMPLETIONS, "{\"model\":\"large-128k\",\"x_vendor\":{\"a\":1},\"messages\":[{\"role\":"
                + "\"user\",\"content\":[{\"type\":\"video_url\",\"video_url\":{\"url\":\"https://x\"}}]}]}")).isNull();
        assertThat(check(Endpoint.MESSAGES, "{\"model\":\"claude-200k\",\"max_tokens\":5,\"x_vendor\":1,\"messages\":"
                + "[{\"role\":\"user\",\"content\":[{\"type\":\"search_result\",\"source\":\"s\",\"title\":\"t\","
                + "\"content\":[]}]}]}")).isNull();
    }
}
