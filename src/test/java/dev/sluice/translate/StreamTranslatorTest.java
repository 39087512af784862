package dev.sluice.translate;

import static dev.sluice.translate.Trees.object;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.error.ProxyError;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a stream translator behaves towards the request path: as bytes arrive, once, and never throwing. */
class StreamTranslatorTest {

    private static final String MESSAGE_START = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":"
            + "{\"id\":\"msg_1\",\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n";
    private static final String TEXT_START = "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
            + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n";
    private static final String HELLO = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
            + "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}\n\n";
    private static final String END = "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
            + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":2}}\n\n"
            + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

    private final List<String> written = new ArrayList<>();

    private StreamTranslator chatClient() {
        return Translation.OPENAI_TO_ANTHROPIC
                .request(object("{'model':'my-claude','messages':[],'stream':true}"), "claude", 1024, null)
                .streamTranslator("req_0123456789ab", chunk -> written.add(chunk.toString(StandardCharsets.UTF_8)));
    }

    private StreamTranslator messagesClient() {
        return Translation.ANTHROPIC_TO_OPENAI
                .request(object("{'model':'my-gpt','max_tokens':5,'messages':[],'stream':true}"), "gpt", 1024, null)
                .streamTranslator("req_0123456789ab", chunk -> written.add(chunk.toString(StandardCharsets.UTF_8)));
    }

    private static Buffer bytes(String text) {
        return Buffer.buffer(text);
    }

    @Test
    void writesEachEventAsSoonAsItsBytesHaveArrived() {
        StreamTranslator translator = chatClient();

        translator.accept(bytes(MESSAGE_START + TEXT_START));
        assertThat(written).hasSize(1);
        assertThat(written.get(0)).contains("\"role\":\"assistant\"");

        translator.accept(bytes(HELLO.substring(0, 40)));
        assertThat(written).hasSize(1);

        translator.accept(bytes(HELLO.substring(40)));
        assertThat(written).hasSize(2);
        assertThat(written.get(1)).contains("\"content\":\"Hello\"");
        assertThat(translator.finished()).isFalse();
    }

    @Test
    void writesOneBufferPerChunkWhateverItCompletes() {
        StreamTranslator translator = chatClient();

        translator.accept(bytes(MESSAGE_START + TEXT_START + HELLO + END));

        assertThat(written).hasSize(1);
        assertThat(written.get(0)).endsWith("data: [DONE]\n\n");
        assertThat(translator.finished()).isTrue();
        assertThat(translator.failed()).isFalse();
    }

    @Test
    void writesNothingAfterTheClientsStreamIsComplete() {
        StreamTranslator translator = chatClient();
        translator.accept(bytes(MESSAGE_START + TEXT_START + HELLO + END));

        translator.accept(bytes(HELLO));
        translator.fail("too late");
        translator.end();

        assertThat(written).hasSize(1);
        assertThat(translator.failed()).isFalse();
    }

    @Test
    void failEndsTheStreamWithOneErrorEventInTheClientsForm() {
        StreamTranslator openai = chatClient();
        openai.accept(bytes(MESSAGE_START + TEXT_START + HELLO));

        openai.fail("The backend's stream stalled for longer than the idle timeout.");
        openai.fail("again");
        openai.accept(bytes(END));
        openai.end();

        assertThat(written).hasSize(2);
        assertThat(written.get(1)).isEqualTo("event: error\ndata: {\"error\":{\"type\":\"server_error\",\"code\":\"backend_stream_error\","
                + "\"message\":\"The backend's stream stalled for longer than the idle timeout.\",\"param\":null,"
                + "\"request_id\":\"req_0123456789ab\",\"origin\":\"router\",\"model\":\"my-claude\"}}\n\n");
        ProxyError failure = openai.failure();
        assertThat(failure.code()).isEqualTo("backend_stream_error");
        assertThat(failure.status()).isEqualTo(502);
        assertThat(openai.failed()).isTrue();
    }

    @Test
    void anAnthropicClientGetsTheErrorWrapped() {
        StreamTranslator translator = messagesClient();

        translator.fail("The proxy is shutting down; the stream was cut.");

        assertThat(written).containsExactly("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"server_error\","
                + "\"code\":\"backend_stream_error\",\"message\":\"The proxy is shutting down; the stream was cut.\",\"param\":null,"
                + "\"request_id\":\"req_0123456789ab\",\"origin\":\"router\",\"model\":\"my-gpt\"}}\n\n");
    }

    @Test
    void aBackendThatEndsWithoutAWordIsAnError() {
        StreamTranslator translator = messagesClient();

        translator.end();

        assertThat(translator.failed()).isTrue();
        assertThat(written).singleElement().asString().startsWith("event: error\n");
    }

    @Test
    void aClientThatCannotBeWrittenToEndsTheStreamQuietly() {
        List<Buffer> attempts = new ArrayList<>();
        StreamTranslator translator = Translation.OPENAI_TO_ANTHROPIC
                .request(object("{'model':'m','messages':[],'stream':true}"), "u", 1, null)
                .streamTranslator("req_0123456789ab", chunk -> {
                    attempts.add(chunk);
                    throw new IllegalStateException("Response is closed");
                });

        translator.accept(bytes(MESSAGE_START));
        translator.accept(bytes(TEXT_START + HELLO));
        translator.end();

        assertThat(attempts).hasSize(1);
        assertThat(translator.failed()).isTrue();
        assertThat(translator.failure()).isNull();
    }

    @Test
    void toolInputForATextBlockIsUnreadable() {
        StreamTranslator translator = chatClient();

        translator.accept(bytes(MESSAGE_START + TEXT_START + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\","
                + "\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{}\"}}\n\n"));

        assertThat(translator.failed()).isTrue();
        assertThat(String.join("", written)).contains("event: error");
    }

    @Test
    void aToolCallStreamedWithoutAnIdGetsOne() {
        StreamTranslator translator = messagesClient();

        translator.accept(bytes("data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
                + "\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}}]}\n\n"));

        assertThat(String.join("", written)).containsPattern("\"id\":\"toolu_[0-9A-Za-z]{24}\",\"name\":\"f\"");
    }

    @Test
    void aToolCallWhoseNameComesInALaterDeltaIsOpenedWithItsName() {
        // allowed by OpenAI's stream, and sent so by some servers: the block said "name":"" and Claude Code found no
        // such tool
        StreamTranslator translator = messagesClient();

        translator.accept(bytes("data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\","
                + "\"type\":\"function\",\"function\":{\"arguments\":\"{\\\"path\\\":\"}}]}}]}\n\n"
                + "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"name\":\"Read\"}}]}}]}\n\n"
                + "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":"
                + "\"\\\"a.txt\\\"}\"}}]}}]}\n\n"
                + "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n"
                + "data: [DONE]\n\n"));

        String out = String.join("", written);
        assertThat(out).containsOnlyOnce("event: content_block_start")
                .contains("\"id\":\"call_1\",\"name\":\"Read\"")
                .doesNotContain("\"name\":\"\"");
        // the arguments that came before the name, then the rest, in order
        assertThat(out.indexOf("\"partial_json\":\"{\\\"path\\\":\"")).isPositive()
                .isLessThan(out.indexOf("\"partial_json\":\"\\\"a.txt\\\"}\""));
        assertThat(out.indexOf("content_block_start")).isLessThan(out.indexOf("\"partial_json\""));
    }

    @Test
    void aToolCallWhoseNameNeverComesGoesWithAnEmptyNameAndItsArguments() {
        StreamTranslator translator = messagesClient();

        translator.accept(bytes("data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\","
                + "\"function\":{\"arguments\":\"{}\"}}]}}]}\n\n"
                + "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n"
                + "data: [DONE]\n\n"));

        String out = String.join("", written);
        assertThat(out).containsOnlyOnce("event: content_block_start").contains("\"id\":\"call_1\",\"name\":\"\"")
                .contains("\"partial_json\":\"{}\"").containsOnlyOnce("event: content_block_stop")
                .contains("event: message_stop");
    }

    @Test
    void aToolCallWhoseIdIsRepeatedInEveryDeltaIsOneCall() {
        StreamTranslator translator = messagesClient();
        String delta = "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\","
                + "\"function\":{\"name\":\"f\",\"arguments\":\"%s\"}}]}}]}\n\n";

        translator.accept(bytes(String.format(delta, "{\\\"a\\\":") + String.format(delta, "1}")));

        String out = String.join("", written);
        assertThat(out).containsOnlyOnce("event: content_block_start").contains("\"partial_json\":\"1}\"");
    }

    @Test
    void anEmptyIdOnTheDeltasAfterACallsFirstIsTheSameCall() {
        // Qwen's DashScope: the first delta names the call, the ones after it carry "id": ""
        StreamTranslator translator = messagesClient();

        translator.accept(bytes("data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\","
                + "\"type\":\"function\",\"function\":{\"name\":\"Bash\",\"arguments\":\"\"}}]}}]}\n\n"
                + "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"\","
                + "\"type\":\"function\",\"function\":{\"name\":\"\",\"arguments\":\"{\\\"command\\\":\"}}]}}]}\n\n"
                + "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"\","
                + "\"function\":{\"arguments\":\"\\\"ls\\\"}\"}}]}}]}\n\n"
                + "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n"
                + "data: [DONE]\n\n"));
        translator.backendEnded();

        String out = String.join("", written);
        assertThat(out).containsOnlyOnce("event: content_block_start")
                .contains("\"id\":\"call_1\",\"name\":\"Bash\"")
                .contains("\"partial_json\":\"{\\\"command\\\":\"").contains("\"partial_json\":\"\\\"ls\\\"}\"")
                .contains("\"stop_reason\":\"tool_use\"");
    }

    @Test
    void toolCallsFinishedWithStopAreStillToolUseForAnAnthropicClient() {
        // OpenAI finishes a call forced by a named tool_choice with "stop"; the Anthropic SDK's tool runner runs
        // the tools only on tool_use
        StreamTranslator translator = messagesClient();

        translator.accept(bytes("data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\","
                + "\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}}]}\n\n"
                + "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
                + "data: [DONE]\n\n"));
        translator.backendEnded();

        assertThat(String.join("", written)).contains("\"stop_reason\":\"tool_use\"").doesNotContain("end_turn");
    }

    @Test
    void interleavedToolUseBlocksKeepEachCallsIndex() {
        // Anthropic's API closes one block before it opens the next; a backend that does not still gets through,
        // because OpenAI's chunks say which call each piece of arguments belongs to (clients gather them by index)
        StreamTranslator translator = chatClient();
        String start = "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":%d,"
                + "\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_%d\",\"name\":\"f%d\",\"input\":{}}}\n\n";
        String input = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":%d,"
                + "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"%s\"}}\n\n";

        translator.accept(bytes(MESSAGE_START + String.format(start, 0, 0, 0) + String.format(input, 0, "{\\\"a\\\":")
                + String.format(start, 1, 1, 1) + String.format(input, 0, "1}") + String.format(input, 1, "{}")));

        String out = String.join("", written);
        assertThat(translator.failed()).isFalse();
        assertThat(out).containsSubsequence(
                "{\"index\":0,\"id\":\"toolu_0\"", "{\"index\":0,\"function\":{\"arguments\":\"{\\\"a\\\":\"}}",
                "{\"index\":1,\"id\":\"toolu_1\"", "{\"index\":0,\"function\":{\"arguments\":\"1}\"}}",
                "{\"index\":1,\"function\":{\"arguments\":\"{}\"}}");

        translator.accept(bytes("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
                + "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n"
                + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},"
                + "\"usage\":{\"output_tokens\":9}}\n\n"
                + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));

        String whole = String.join("", written);
        assertThat(translator.finished()).isTrue();
        assertThat(whole).contains("\"finish_reason\":\"tool_calls\"").endsWith("data: [DONE]\n\n");
        assertThat(ClientStreams.problems(Translation.OPENAI_TO_ANTHROPIC, whole)).isEmpty();
    }

    @Test
    void theRoleRidesOnTheFirstChunkOfTheAnswerWithContentNullBeforeAToolCall() {
        // OpenAI starts a tool call answer with content null: a client that sees "" records an empty text part
        StreamTranslator translator = chatClient();

        translator.accept(bytes(MESSAGE_START));
        assertThat(written).isEmpty();
        translator.accept(bytes("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                + "\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_0\",\"name\":\"f\",\"input\":{}}}\n\n"));

        assertThat(written).hasSize(1);
        assertThat(written.get(0)).contains("\"delta\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,"
                + "\"id\":\"toolu_0\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"\"}}]}");
        assertThat(String.join("", written).split("\"role\"", -1)).hasSize(2);
    }

    @Test
    void aTextAnswerStartsWithTheRoleAndEmptyContentOnce() {
        StreamTranslator translator = chatClient();

        translator.accept(bytes(MESSAGE_START + TEXT_START + HELLO + END));

        String whole = String.join("", written);
        assertThat(whole).containsSubsequence("\"delta\":{\"role\":\"assistant\",\"content\":\"\"}",
                "\"delta\":{\"content\":\"Hello\"}", "\"finish_reason\":\"stop\"");
        assertThat(whole.split("\"role\"", -1)).hasSize(2);
    }

    @Test
    void anAnswerWithoutABlockStillNamesItsRole() {
        StreamTranslator translator = chatClient();

        translator.accept(bytes(MESSAGE_START + "event: message_delta\ndata: {\"type\":\"message_delta\","
                + "\"delta\":{\"stop_reason\":\"end_turn\"}}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));

        assertThat(String.join("", written)).containsSubsequence("\"delta\":{\"role\":\"assistant\",\"content\":\"\"}",
                "\"finish_reason\":\"stop\"", "[DONE]");
    }

    @Test
    void aToolCallWithoutInputGetsAnEmptyObjectAsItsArguments() {
        // a tool without parameters: Anthropic streams input {} and either no input_json_delta or an empty one
        StreamTranslator translator = chatClient();
        String start = "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":%d,"
                + "\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_%d\",\"name\":\"noargs\",\"input\":{}}}\n\n";
        String emptyDelta = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,"
                + "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\"}}\n\n";
        String stop = "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":%d}\n\n";

        translator.accept(bytes(MESSAGE_START + String.format(start, 0, 0) + String.format(stop, 0)
                + String.format(start, 1, 1) + emptyDelta + String.format(stop, 1)
                + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},"
                + "\"usage\":{\"output_tokens\":9}}\n\n"
                + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));

        String whole = String.join("", written);
        assertThat(translator.finished()).isTrue();
        assertThat(whole).containsSubsequence(
                "{\"index\":0,\"id\":\"toolu_0\"", "{\"index\":0,\"function\":{\"arguments\":\"{}\"}}",
                "{\"index\":1,\"id\":\"toolu_1\"", "{\"index\":1,\"function\":{\"arguments\":\"{}\"}}",
                "\"finish_reason\":\"tool_calls\"");
        // each call's arguments once: the "{}" is not added to arguments that had bytes
        assertThat(whole.split("\"arguments\":\"\\{}\"", -1)).hasSize(3);
        assertThat(ClientStreams.problems(Translation.OPENAI_TO_ANTHROPIC, whole)).isEmpty();
    }

    @Test
    void aToolBlockTheBackendNeverClosedStillGetsItsArguments() {
        StreamTranslator translator = chatClient();

        translator.accept(bytes(MESSAGE_START + "event: content_block_start\ndata: {\"type\":\"content_block_start\","
                + "\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_0\",\"name\":\"noargs\",\"input\":{}}}\n\n"
                + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"}}\n\n"
                + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));

        assertThat(String.join("", written)).containsSubsequence("{\"index\":0,\"id\":\"toolu_0\"",
                "{\"index\":0,\"function\":{\"arguments\":\"{}\"}}", "\"finish_reason\":\"tool_calls\"");
    }

    @Test
    void anOpenAiBackendGoingBackToAnEarlierCallEndsTheAnthropicStreamWithAnError() {
        StreamTranslator translator = messagesClient();
        String call = "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":%d,%s"
                + "\"function\":{%s\"arguments\":\"%s\"}}]}}]}\n\n";

        translator.accept(bytes(String.format(call, 0, "\"id\":\"call_0\",", "\"name\":\"f\",", "{")
                + String.format(call, 1, "\"id\":\"call_1\",", "\"name\":\"g\",", "{}")
                + String.format(call, 0, "", "", "}")));

        String out = String.join("", written);
        assertThat(translator.failed()).isTrue();
        assertThat(out).containsSubsequence("\"content_block_start\",\"index\":0", "\"content_block_stop\",\"index\":0",
                "\"content_block_start\",\"index\":1", "event: error\n");
        assertThat(out).contains("\"code\":\"backend_stream_error\"").doesNotContain("\"partial_json\":\"}\"");
        assertThat(ClientStreams.problems(Translation.ANTHROPIC_TO_OPENAI, out)).isEmpty();
    }
}
