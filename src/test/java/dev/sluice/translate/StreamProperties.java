package dev.sluice.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Whatever a backend sends, in whatever reads: the translator never throws, and the client gets a well-formed stream
 * (complete, or ended by exactly one error event). A well-ordered backend stream comes through complete, with every
 * text and every tool argument intact, the same for every chunking.
 */
class StreamProperties {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    // ---- random Anthropic events towards an OpenAI client

    @Property(tries = 300)
    void randomAnthropicEventsGiveAWellFormedChatStream(@ForAll("anthropicEvents") List<String> events,
            @ForAll("readSizes") List<Integer> reads, @ForAll boolean includeUsage) {
        String client = translate(chatClient(includeUsage), String.join("", events), reads);

        assertThat(ClientStreams.problems(Translation.OPENAI_TO_ANTHROPIC, client)).isEmpty();
    }

    @Property(tries = 300)
    void randomChatChunksGiveAWellFormedMessagesStream(@ForAll("chatChunks") List<String> chunks,
            @ForAll("readSizes") List<Integer> reads) {
        String client = translate(messagesClient(), String.join("", chunks), reads);

        assertThat(ClientStreams.problems(Translation.ANTHROPIC_TO_OPENAI, client)).isEmpty();
    }

    @Property(tries = 300)
    void randomBytesNeverBreakEitherTranslator(@ForAll("noise") byte[] bytes, @ForAll("readSizes") List<Integer> reads) {
        for (Translation translation : Translation.values()) {
            TranslatedRequest request = translation == Translation.OPENAI_TO_ANTHROPIC ? chatClient(true) : messagesClient();
            String client = translate(request, bytes, reads);

            assertThat(ClientStreams.problems(translation, client)).isEmpty();
        }
    }

    // ---- well-ordered streams keep their content, whatever the reads

    @Property(tries = 200)
    void aWellOrderedAnthropicStreamKeepsItsTextAndToolArguments(@ForAll("answers") Answer answer,
            @ForAll("readSizes") List<Integer> reads) {
        TranslatedRequest request = chatClient(true);
        String whole = translate(request, answer.anthropicStream(), List.of(Integer.MAX_VALUE));
        String split = translate(request, answer.anthropicStream(), reads);

        assertThat(ClientStreams.problems(Translation.OPENAI_TO_ANTHROPIC, split)).isEmpty();
        assertThat(Golden.normalise(split)).isEqualTo(Golden.normalise(whole));
        assertThat(split).endsWith("data: [DONE]\n\n");
        Content content = Content.ofChatStream(split);
        assertThat(content.text()).isEqualTo(answer.text());
        // a call without input gets "{}" (contract §9: empty arguments are {})
        assertThat(content.tools()).isEqualTo(answer.tools().stream()
                .map(tool -> tool.get(2).isEmpty() ? List.of(tool.get(0), tool.get(1), "{}") : tool).toList());
    }

    @Property(tries = 200)
    void aWellOrderedChatStreamKeepsItsTextAndToolArguments(@ForAll("answers") Answer answer,
            @ForAll("readSizes") List<Integer> reads) {
        TranslatedRequest request = messagesClient();
        String whole = translate(request, answer.chatStream(), List.of(Integer.MAX_VALUE));
        String split = translate(request, answer.chatStream(), reads);

        assertThat(ClientStreams.problems(Translation.ANTHROPIC_TO_OPENAI, split)).isEmpty();
        assertThat(Golden.normalise(split)).isEqualTo(Golden.normalise(whole));
        assertThat(split).endsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        Content content = Content.ofMessagesStream(split);
        assertThat(content.text()).isEqualTo(answer.text());
        assertThat(content.tools()).isEqualTo(answer.tools());
    }

    @Property(tries = 100)
    void anErrorAtAnyPointEndsTheStreamWithOneErrorEvent(@ForAll("answers") Answer answer,
            @ForAll @IntRange(min = 0, max = 100) int percent) {
        byte[] stream = answer.anthropicStream().getBytes(StandardCharsets.UTF_8);
        int cut = stream.length * percent / 100;
        StringBuilder client = new StringBuilder();
        StreamTranslator translator = chatClient(false).streamTranslator(Golden.REQUEST_ID,
                chunk -> client.append(chunk.toString(StandardCharsets.UTF_8)));

        translator.accept(Buffer.buffer(java.util.Arrays.copyOf(stream, cut)));
        translator.fail("The backend's stream broke off before it was complete.");
        translator.end();

        assertThat(ClientStreams.problems(Translation.OPENAI_TO_ANTHROPIC, client.toString())).isEmpty();
        assertThat(translator.finished()).isTrue();
    }

    // ---- generators

    @Provide
    Arbitrary<List<Integer>> readSizes() {
        return Arbitraries.integers().between(1, 80).list().ofMinSize(1).ofMaxSize(40);
    }

    @Provide
    Arbitrary<byte[]> noise() {
        Arbitrary<String> fragments = Arbitraries.oneOf(
                Arbitraries.of("data: ", "event: ", "\n", "\r\n", "\r", ":", "{", "}", "[DONE]", "\"type\":",
                        "\"message_stop\"", "\"content_block_delta\"", "\"choices\":[", "error", "\u0000", "\uFEFF"),
                Arbitraries.strings().ofMaxLength(6));
        Arbitrary<byte[]> structured = fragments.list().ofMaxSize(60)
                .map(parts -> String.join("", parts).getBytes(StandardCharsets.UTF_8));
        Arbitrary<byte[]> raw = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
        return Arbitraries.oneOf(structured, raw);
    }

    @Provide
    Arbitrary<List<String>> anthropicEvents() {
        Arbitrary<Integer> index = Arbitraries.integers().between(-1, 3);
        Arbitrary<String> text = texts();
        Arbitrary<String> event = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(2, Arbitraries.just(sse("message_start", "{\"type\":\"message_start\",\"message\":"
                        + "{\"id\":\"msg_1\",\"usage\":{\"input_tokens\":5,\"cache_read_input_tokens\":2,\"output_tokens\":1}}}"))),
                net.jqwik.api.Tuple.of(4, Combinators.combine(index, Arbitraries.of("text", "tool_use", "thinking", "server_tool_use"))
                        .as(StreamProperties::blockStart)),
                net.jqwik.api.Tuple.of(8, Combinators.combine(index, Arbitraries.of("text_delta", "input_json_delta",
                        "thinking_delta", "signature_delta", "citations_delta"), text).as(StreamProperties::blockDelta)),
                net.jqwik.api.Tuple.of(3, index.map(i -> sse("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + i + "}"))),
                net.jqwik.api.Tuple.of(2, Arbitraries.of("end_turn", "max_tokens", "tool_use", "stop_sequence", "refusal", "pause_turn", "new_one")
                        .map(reason -> sse("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"" + reason
                                + "\"},\"usage\":{\"output_tokens\":9}}"))),
                net.jqwik.api.Tuple.of(2, Arbitraries.just(sse("message_stop", "{\"type\":\"message_stop\"}"))),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(sse("ping", "{\"type\":\"ping\"}"))),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(sse("error", "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
                        + "\"message\":\"Overloaded\"}}"))),
                net.jqwik.api.Tuple.of(1, text.map(garbage -> "data: " + garbage + "\n\n")));
        return event.list().ofMaxSize(25);
    }

    @Provide
    Arbitrary<List<String>> chatChunks() {
        Arbitrary<String> text = texts();
        Arbitrary<String> chunk = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, text.map(t -> chatChunk(obj().put("content", t), null))),
                net.jqwik.api.Tuple.of(1, text.map(t -> chatChunk(obj().put("refusal", t), null))),
                net.jqwik.api.Tuple.of(1, text.map(t -> chatChunk(obj().put("reasoning_content", t), null))),
                net.jqwik.api.Tuple.of(6, Combinators.combine(Arbitraries.integers().between(-1, 3),
                        Arbitraries.of("call_1", "call_2", null), Arbitraries.of("f", null), text)
                        .as(StreamProperties::toolCallChunk)),
                net.jqwik.api.Tuple.of(2, Arbitraries.of("stop", "length", "tool_calls", "content_filter", "function_call", "other")
                        .map(reason -> chatChunk(obj(), reason))),
                net.jqwik.api.Tuple.of(1, Arbitraries.just("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":3,"
                        + "\"prompt_tokens_details\":{\"cached_tokens\":4}}}\n\n")),
                net.jqwik.api.Tuple.of(2, Arbitraries.just("data: [DONE]\n\n")),
                net.jqwik.api.Tuple.of(1, Arbitraries.just("data: {\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}\n\n")),
                net.jqwik.api.Tuple.of(1, text.map(garbage -> "data: " + garbage + "\n\n")));
        return chunk.list().ofMaxSize(25);
    }

    @Provide
    Arbitrary<Answer> answers() {
        Arbitrary<List<String>> pieces = texts().list().ofMinSize(1).ofMaxSize(4);
        Arbitrary<Block> text = pieces.map(parts -> new Block(null, null, parts));
        Arbitrary<Block> tool = Combinators.combine(Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(8), pieces)
                .as((name, parts) -> new Block("call_" + name, name, parts));
        return Combinators.combine(Arbitraries.oneOf(text, tool).list().ofMaxSize(5),
                        Arbitraries.of("end_turn", "max_tokens", "tool_use", "refusal"))
                .as(Answer::new);
    }

    private static Arbitrary<String> texts() {
        return Arbitraries.strings().withCharRange(' ', '~').withChars('\n', '\r', '"', '\\', 'é', '✓', '\u2028')
                .ofMaxLength(10);
    }

    // ---- one answer, as either backend streams it

    /** A text block ({@code id} null) or a tool call, streamed in {@code pieces}. */
    record Block(String id, String name, List<String> pieces) {
        String joined() {
            return String.join("", pieces);
        }
    }

    record Answer(List<Block> blocks, String stopReason) {

        String text() {
            StringBuilder text = new StringBuilder();
            blocks.stream().filter(block -> block.id() == null).forEach(block -> text.append(block.joined()));
            return text.toString();
        }

        List<List<String>> tools() {
            return blocks.stream().filter(block -> block.id() != null)
                    .map(block -> List.of(block.id(), block.name(), block.joined())).toList();
        }

        String anthropicStream() {
            StringBuilder out = new StringBuilder(sse("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\","
                    + "\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}"));
            for (int i = 0; i < blocks.size(); i++) {
                Block block = blocks.get(i);
                ObjectNode start = obj().put("type", "content_block_start").put("index", i);
                if (block.id() == null) {
                    start.putObject("content_block").put("type", "text").put("text", "");
                } else {
                    start.putObject("content_block").put("type", "tool_use").put("id", block.id()).put("name", block.name())
                            .putObject("input");
                }
                out.append(sse("content_block_start", json(start)));
                for (String piece : block.pieces()) {
                    out.append(blockDelta(i, block.id() == null ? "text_delta" : "input_json_delta", piece));
                }
                out.append(sse("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + i + "}"));
            }
            out.append(sse("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"" + stopReason
                    + "\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":12}}"));
            return out.append(sse("message_stop", "{\"type\":\"message_stop\"}")).toString();
        }

        String chatStream() {
            StringBuilder out = new StringBuilder(chatChunk(obj().put("role", "assistant").put("content", ""), null));
            int ordinal = 0;
            for (Block block : blocks) {
                if (block.id() == null) {
                    block.pieces().forEach(piece -> out.append(chatChunk(obj().put("content", piece), null)));
                    continue;
                }
                for (int p = 0; p < block.pieces().size(); p++) {
                    out.append(toolCallChunk(ordinal, p == 0 ? block.id() : null, p == 0 ? block.name() : null, block.pieces().get(p)));
                }
                ordinal++;
            }
            String finish = switch (stopReason) {
                case "max_tokens" -> "length";
                case "tool_use" -> "tool_calls";
                case "refusal" -> "content_filter";
                default -> "stop";
            };
            out.append(chatChunk(obj(), finish));
            out.append("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":3}}\n\n");
            return out.append("data: [DONE]\n\n").toString();
        }
    }

    /** The text and the tool calls (id, name, arguments) a client reads from a translated stream. */
    record Content(String text, List<List<String>> tools) {

        static Content ofChatStream(String stream) {
            StringBuilder text = new StringBuilder();
            List<List<String>> tools = new ArrayList<>();
            List<StringBuilder> arguments = new ArrayList<>();
            for (ClientStreams.Event event : ClientStreams.events(stream)) {
                JsonNode delta = event.data().equals("[DONE]") ? null : event.json().path("choices").path(0).path("delta");
                if (delta == null) {
                    continue;
                }
                text.append(delta.path("content").asText(""));
                for (JsonNode call : delta.path("tool_calls")) {
                    if (call.has("id")) {
                        tools.add(new ArrayList<>(List.of(call.get("id").asText(), call.path("function").path("name").asText())));
                        arguments.add(new StringBuilder());
                    }
                    arguments.get(call.get("index").asInt()).append(call.path("function").path("arguments").asText(""));
                }
            }
            for (int i = 0; i < tools.size(); i++) {
                tools.get(i).add(arguments.get(i).toString());
            }
            return new Content(text.toString(), tools.stream().map(List::copyOf).toList());
        }

        static Content ofMessagesStream(String stream) {
            StringBuilder text = new StringBuilder();
            List<List<String>> tools = new ArrayList<>();
            StringBuilder arguments = null;
            for (ClientStreams.Event event : ClientStreams.events(stream)) {
                JsonNode data = event.json();
                switch (data.path("type").asText()) {
                    case "content_block_start" -> {
                        JsonNode block = data.path("content_block");
                        if (block.path("type").asText().equals("tool_use")) {
                            tools.add(new ArrayList<>(List.of(block.path("id").asText(), block.path("name").asText())));
                            arguments = new StringBuilder();
                        }
                    }
                    case "content_block_delta" -> {
                        JsonNode delta = data.path("delta");
                        if (delta.path("type").asText().equals("text_delta")) {
                            text.append(delta.path("text").asText());
                        } else {
                            arguments.append(delta.path("partial_json").asText());
                        }
                    }
                    case "content_block_stop" -> {
                        if (arguments != null) {
                            tools.get(tools.size() - 1).add(arguments.toString());
                            arguments = null;
                        }
                    }
                    default -> {
                    }
                }
            }
            return new Content(text.toString(), tools.stream().map(List::copyOf).toList());
        }
    }

    // ---- helpers

    private static TranslatedRequest chatClient(boolean includeUsage) {
        ObjectNode request = obj().put("model", "client-model").put("stream", true);
        request.putArray("messages");
        if (includeUsage) {
            request.putObject("stream_options").put("include_usage", true);
        }
        return Translation.OPENAI_TO_ANTHROPIC.request(request, "upstream", 1024, null);
    }

    private static TranslatedRequest messagesClient() {
        ObjectNode request = obj().put("model", "client-model").put("stream", true).put("max_tokens", 10);
        request.putArray("messages");
        return Translation.ANTHROPIC_TO_OPENAI.request(request, "upstream", 1024, null);
    }

    private static String translate(TranslatedRequest request, String backend, List<Integer> reads) {
        return translate(request, backend.getBytes(StandardCharsets.UTF_8), reads);
    }

    /** Feeds the bytes in reads of the given sizes (cycling), then ends; the client's bytes. */
    private static String translate(TranslatedRequest request, byte[] backend, List<Integer> reads) {
        StringBuilder client = new StringBuilder();
        StreamTranslator translator = request.streamTranslator(Golden.REQUEST_ID,
                chunk -> client.append(chunk.toString(StandardCharsets.UTF_8)));
        int at = 0;
        for (int read = 0; at < backend.length; read++) {
            int size = (int) Math.min(reads.get(read % reads.size()), (long) backend.length - at);
            translator.accept(Buffer.buffer(java.util.Arrays.copyOfRange(backend, at, at + size)));
            at += size;
        }
        translator.end();
        return client.toString();
    }

    private static String blockStart(int index, String type) {
        ObjectNode start = obj().put("type", "content_block_start").put("index", index);
        ObjectNode block = start.putObject("content_block").put("type", type);
        if (type.equals("tool_use")) {
            block.put("id", "toolu_" + index).put("name", "f").putObject("input");
        } else if (type.equals("text")) {
            block.put("text", "");
        }
        return sse("content_block_start", json(start));
    }

    private static String blockDelta(int index, String type, String text) {
        ObjectNode event = obj().put("type", "content_block_delta").put("index", index);
        ObjectNode delta = event.putObject("delta").put("type", type);
        switch (type) {
            case "text_delta" -> delta.put("text", text);
            case "input_json_delta" -> delta.put("partial_json", text);
            case "thinking_delta" -> delta.put("thinking", text);
            case "signature_delta" -> delta.put("signature", text);
            default -> delta.putObject("citation").put("cited_text", text);
        }
        return sse("content_block_delta", json(event));
    }

    private static String chatChunk(ObjectNode delta, String finish) {
        ObjectNode chunk = obj().put("id", "chatcmpl-1").put("object", "chat.completion.chunk");
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta);
        choice.put("finish_reason", finish);
        return "data: " + json(chunk) + "\n\n";
    }

    private static String toolCallChunk(int index, String id, String name, String arguments) {
        ObjectNode call = obj();
        if (index >= 0) {
            call.put("index", index);
        }
        if (id != null) {
            call.put("id", id).put("type", "function");
        }
        ObjectNode function = call.putObject("function");
        if (name != null) {
            function.put("name", name);
        }
        function.put("arguments", arguments);
        ObjectNode delta = obj();
        delta.putArray("tool_calls").add(call);
        return chatChunk(delta, null);
    }

    private static String sse(String event, String data) {
        return "event: " + event + "\ndata: " + data + "\n\n";
    }

    private static ObjectNode obj() {
        return MAPPER.createObjectNode();
    }

    private static String json(JsonNode node) {
        return node.toString();
    }
}
