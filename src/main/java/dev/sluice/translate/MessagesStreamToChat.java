package dev.sluice.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * An Anthropic messages stream as OpenAI {@code chat.completion.chunk}s: the role on the first chunk of the answer
 * (with {@code content: ""} before text, {@code content: null} with the first tool call, as OpenAI sends them), text
 * deltas as {@code delta.content}, each {@code tool_use} block as one tool call whose {@code index} is its ordinal among
 * the answer's tool calls, a last chunk with the finish reason, the usage chunk when the client asked for it, then
 * {@code [DONE]}. Thinking blocks and their deltas are dropped: they are never text.
 */
final class MessagesStreamToChat extends StreamTranslator {

    /** What an Anthropic content block became. */
    private static final int TEXT = -1;
    private static final int DROPPED = -2;

    private final boolean includeUsage;
    /** How every chunk starts: {@code data: }, then the id, object, created and model members, the object left open. */
    private final byte[] chunkHead;
    private final byte[] chunkTail;
    private final AnthropicUsage usage = new AnthropicUsage();
    /** Anthropic block index to {@link #TEXT}, {@link #DROPPED} or the ordinal of the tool call it carries. */
    private final Map<Integer, Integer> blocks = new HashMap<>();
    /** The tool calls (by ordinal) whose arguments have had a byte: one that had none gets {@code "{}"} at its end. */
    private final BitSet withArguments = new BitSet();
    private int toolCalls;
    /** The role has been sent: it rides on the answer's first chunk, whose kind only the first block tells. */
    private boolean roleSent;
    private String finishReason;

    MessagesStreamToChat(String requestId, String clientModel, boolean includeUsage, Consumer<Buffer> toClient) {
        super(requestId, clientModel, false, toClient);
        this.includeUsage = includeUsage;
        ObjectNode head = Json.object()
                .put("id", Ids.chatCompletion())
                .put("object", "chat.completion.chunk")
                .put("created", System.currentTimeMillis() / 1000)
                .put("model", clientModel);
        String json = Json.string(head);
        this.chunkHead = ("data: " + json.substring(0, json.length() - 1)).getBytes(StandardCharsets.UTF_8);
        this.chunkTail = ascii((includeUsage ? ",\"usage\":null" : "") + "}\n\n");
    }

    @Override
    void event(String type, byte[] data, int length) {
        JsonNode event = readObject(data, length);
        String kind = Json.text(event.get("type"));
        switch (kind != null ? kind : type) {
            case "message_start" -> usage.merge(event.path("message").get("usage"));
            case "content_block_start" -> blockStart(event);
            case "content_block_delta" -> blockDelta(event);
            case "message_delta" -> {
                // the finish chunk waits for message_stop: it must be the last chunk with a choice, and only one
                usage.merge(event.get("usage"));
                String stopReason = Json.text(event.path("delta").get("stop_reason"));
                finishReason = StopReasons.toFinishReason(stopReason != null ? stopReason : "end_turn");
            }
            case "content_block_stop" -> blockStop(event);
            case "message_stop" -> finish();
            case "error" -> failWith(backendMessage(event));
            // ping, and event types newer than this code: nothing to say
            default -> {
            }
        }
    }

    @Override
    void backendEnded() {
        if (finishReason != null) {
            finish(); // the answer was complete; only message_stop was missing
        } else {
            failWith("The backend's stream ended before the answer was complete.");
        }
    }

    /**
     * The delta of the answer's next chunk: the first one also names the role. A text answer's first chunk says
     * {@code content: ""}; a tool call's says {@code content: null}, so that a client does not record an empty text
     * part before the calls (the AI SDK does).
     */
    private ObjectNode delta(boolean text) {
        ObjectNode delta = Json.object();
        if (!roleSent) {
            roleSent = true;
            delta.put("role", "assistant");
            if (text) {
                delta.put("content", "");
            } else {
                delta.putNull("content");
            }
        }
        return delta;
    }

    private void blockStart(JsonNode event) {
        int index = blockIndex(event);
        JsonNode block = event.path("content_block");
        String type = Json.text(block.get("type"));
        if ("text".equals(type)) {
            blocks.put(index, TEXT);
            String text = Json.text(block.get("text"));
            if (!roleSent || (text != null && !text.isEmpty())) {
                chunk(delta(true).put("content", text != null ? text : ""), null);
            }
        } else if ("tool_use".equals(type)) {
            int ordinal = toolCalls++;
            blocks.put(index, ordinal);
            JsonNode input = block.get("input");
            boolean hasInput = input != null && input.isObject() && !input.isEmpty();
            if (hasInput) {
                withArguments.set(ordinal);
            }
            ObjectNode call = Json.object().put("index", ordinal).put("id", Json.text(block.get("id"))).put("type", "function");
            call.putObject("function").put("name", Json.text(block.get("name")))
                    .put("arguments", hasInput ? Json.string(input) : "");
            ObjectNode delta = delta(false);
            delta.putArray("tool_calls").add(call);
            chunk(delta, null);
        } else {
            blocks.put(index, DROPPED); // thinking, redacted_thinking, server tools: nothing an OpenAI client reads
        }
    }

    private void blockDelta(JsonNode event) {
        int index = blockIndex(event);
        Integer block = blocks.get(index);
        JsonNode delta = event.path("delta");
        String type = Json.text(delta.get("type"));
        if ("text_delta".equals(type)) {
            if (block == null || block == TEXT) {
                text(Json.text(delta.get("text")));
            }
        } else if ("input_json_delta".equals(type)) {
            if (block == null || block < 0) {
                throw new UnreadableStream("tool input for a block that is not a tool_use");
            }
            String partial = Json.text(delta.get("partial_json"));
            if (partial != null && !partial.isEmpty()) {
                withArguments.set(block);
                arguments(block, partial);
            }
        }
        // thinking_delta, signature_delta, citations_delta: never text
    }

    /**
     * A tool call that ends without a byte of input (a tool without parameters: Anthropic streams {@code input: {}}
     * and no delta) gets the arguments {@code "{}"}, as the same answer has without streaming (contract §9: empty
     * arguments are {@code {}}); OpenAI clients parse what they gathered, and {@code ""} is not JSON.
     */
    private void blockStop(JsonNode event) {
        JsonNode index = event.get("index");
        Integer block = index != null && index.canConvertToInt() ? blocks.get(index.intValue()) : null;
        if (block != null && block >= 0) {
            emptyArgumentsAsObject(block);
        }
    }

    private void emptyArgumentsAsObject(int ordinal) {
        if (!withArguments.get(ordinal)) {
            withArguments.set(ordinal);
            arguments(ordinal, "{}");
        }
    }

    private void arguments(int ordinal, String json) {
        ObjectNode call = Json.object().put("index", ordinal);
        call.putObject("function").put("arguments", json);
        ObjectNode chunkDelta = Json.object();
        chunkDelta.putArray("tool_calls").add(call);
        chunk(chunkDelta, null);
    }

    private void text(String text) {
        if (text != null && !text.isEmpty()) {
            chunk(delta(true).put("content", text), null);
        }
    }

    /** The finish chunk, the usage chunk when asked for, then {@code [DONE]}. */
    private void finish() {
        if (!roleSent) {
            chunk(delta(true), null); // an answer without a block still names its role, as OpenAI's empty answers do
        }
        // a tool block the backend never closed
        for (int ordinal = 0; ordinal < toolCalls; ordinal++) {
            emptyArgumentsAsObject(ordinal);
        }
        chunk(Json.object(), finishReason != null ? finishReason : "stop");
        if (includeUsage) {
            emit(chunkHead);
            emit(",\"choices\":[],\"usage\":");
            emit(Json.bytes(usage.toOpenAi()));
            emit("}\n\n");
        }
        emit("data: [DONE]\n\n");
        complete();
    }

    private void chunk(ObjectNode delta, String finish) {
        emit(chunkHead);
        emit(",\"choices\":[{\"index\":0,\"delta\":");
        emit(Json.bytes(delta));
        emit(finish == null ? ",\"logprobs\":null,\"finish_reason\":null}]"
                : ",\"logprobs\":null,\"finish_reason\":\"" + finish + "\"}]");
        emit(chunkTail);
    }

    private static int blockIndex(JsonNode event) {
        JsonNode index = event.get("index");
        if (index == null || !index.canConvertToInt()) {
            throw new UnreadableStream("a content block event without an index");
        }
        return index.intValue();
    }
}
