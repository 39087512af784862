package dev.sluice.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * An OpenAI chat completion stream as Anthropic messages events: {@code message_start}, then content blocks opened
 * and closed one at a time with increasing {@code index} (a text block, one {@code tool_use} block per tool call),
 * then {@code message_delta} with the stop reason and usage, then {@code message_stop}. OpenAI sends the usage only
 * in its last chunk, after the finish reason, so {@code message_delta} waits for {@code [DONE]}.
 */
final class ChatStreamToMessages extends StreamTranslator {

    private static final byte[] DONE = ascii("[DONE]");

    /** A tool call as OpenAI streams it: its index among the calls, and its id. */
    private record ToolCall(int index, String id) {
    }

    private final String messageId = Ids.message();
    /** OpenAI's tool call index to its call. */
    private final Map<Integer, ToolCall> calls = new HashMap<>();
    private boolean started;
    private int nextBlock;
    /** The block open now, or -1. */
    private int openBlock = -1;
    private boolean openIsText;
    private ToolCall openCall;
    /**
     * A tool call whose first delta came without its name (OpenAI's stream allows the name in a later delta, and
     * some servers send it so): its block waits for the name, its arguments kept until then. Opened with an empty
     * name only if something else must be sent first.
     */
    private ToolCall namelessCall;
    private StringBuilder namelessArguments;
    private String finishReason;
    private String stopSequence;
    private boolean refused;
    private JsonNode usage;

    ChatStreamToMessages(String requestId, String clientModel, Consumer<Buffer> toClient) {
        super(requestId, clientModel, true, toClient);
    }

    @Override
    void event(String type, byte[] data, int length) {
        if (is(data, length, DONE)) {
            finish();
            return;
        }
        JsonNode chunk = readObject(data, length);
        if (Json.present(chunk.get("error")) || "error".equals(type)) {
            failWith(backendMessage(chunk));
            return;
        }
        start();
        if (chunk.path("usage").isObject()) {
            usage = chunk.get("usage"); // the last chunk's, when the request asked include_usage
        }
        JsonNode choices = chunk.get("choices");
        if (choices != null && choices.isArray()) {
            for (JsonNode choice : choices) {
                if (choice.path("index").asInt(0) == 0) {
                    choiceDelta(choice);
                }
            }
        }
    }

    @Override
    void backendEnded() {
        if (finishReason != null) {
            finish(); // [DONE] is missing, but the answer had ended
        } else {
            failWith("The backend's stream ended before the answer was complete.");
        }
    }

    private void choiceDelta(JsonNode choice) {
        JsonNode delta = choice.path("delta");
        text(Json.text(delta.get("content")));
        String refusal = Json.text(delta.get("refusal"));
        if (refusal != null && !refusal.isEmpty()) {
            refused = true;
            text(refusal);
        }
        JsonNode toolCalls = delta.get("tool_calls");
        if (toolCalls != null && toolCalls.isArray()) {
            for (JsonNode call : toolCalls) {
                toolCallDelta(call);
            }
        }
        // reasoning_content (vLLM, DeepSeek) has no Anthropic form without a signature: dropped, never text
        String finish = Json.text(choice.get("finish_reason"));
        if (finish != null) {
            finishReason = finish;
            stopSequence = Json.text(choice.get("stop_reason"));
            closeBlock();
        }
    }

    private void text(String text) {
        if (text == null || text.isEmpty()) {
            return;
        }
        if (!(openBlock >= 0 && openIsText)) {
            closeBlock();
            openBlock(Json.object().put("type", "text").put("text", ""), true);
        }
        ObjectNode delta = Json.object().put("type", "text_delta").put("text", text);
        send("content_block_delta", Json.object().put("type", "content_block_delta").put("index", openBlock).set("delta", delta));
    }

    /**
     * A tool call's first delta opens its block (closing the text before it); later deltas add to its arguments. A
     * backend that reuses an index for a call with another id has started a new call.
     */
    private void toolCallDelta(JsonNode delta) {
        JsonNode function = delta.path("function");
        String id = Json.text(delta.get("id"));
        if (id != null && id.isEmpty()) {
            id = null; // Qwen's DashScope sends "" on the deltas after a call's first: the same call, as null would be
        }
        // a backend that leaves the index out means the call being streamed, or the next one
        int index = delta.path("index").canConvertToInt() ? delta.get("index").intValue()
                : openCall != null ? openCall.index() : calls.size();
        ToolCall call = calls.get(index);
        String name = Json.text(function.get("name"));
        boolean named = name != null && !name.isEmpty();
        if (call == null || (id != null && !id.equals(call.id()))) {
            closeBlock();
            call = new ToolCall(index, id != null ? id : Ids.toolUse());
            calls.put(index, call);
            if (named) {
                openToolBlock(call, name);
            } else {
                namelessCall = call;
                namelessArguments = new StringBuilder();
            }
        } else if (call == namelessCall) {
            if (named) {
                openToolBlock(call, name);
            }
        } else if (call != openCall) {
            throw new UnreadableStream("arguments for a tool call whose block was already closed");
        }
        String arguments = Json.text(function.get("arguments"));
        if (arguments != null && !arguments.isEmpty()) {
            if (call == namelessCall) {
                namelessArguments.append(arguments);
            } else {
                arguments(arguments);
            }
        }
    }

    /** Opens a tool call's block, with the arguments it was given before its name (if any). */
    private void openToolBlock(ToolCall call, String name) {
        ObjectNode block = Json.object().put("type", "tool_use").put("id", call.id()).put("name", name);
        block.set("input", Json.object());
        openBlock(block, false);
        openCall = call;
        if (call == namelessCall) {
            String kept = namelessArguments.toString();
            namelessCall = null;
            namelessArguments = null;
            if (!kept.isEmpty()) {
                arguments(kept);
            }
        }
    }

    private void arguments(String partialJson) {
        ObjectNode json = Json.object().put("type", "input_json_delta").put("partial_json", partialJson);
        send("content_block_delta", Json.object().put("type", "content_block_delta").put("index", openBlock).set("delta", json));
    }

    private void start() {
        if (started) {
            return;
        }
        started = true;
        ObjectNode message = Json.object()
                .put("id", messageId)
                .put("type", "message")
                .put("role", "assistant")
                .put("model", clientModel());
        message.putArray("content");
        message.putNull("stop_reason");
        message.putNull("stop_sequence");
        // OpenAI counts tokens only at the end: message_delta carries them
        message.putObject("usage").put("input_tokens", 0).put("output_tokens", 0);
        send("message_start", Json.object().put("type", "message_start").set("message", message));
    }

    private void openBlock(ObjectNode contentBlock, boolean text) {
        openBlock = nextBlock++;
        openIsText = text;
        send("content_block_start", Json.object().put("type", "content_block_start").put("index", openBlock)
                .set("content_block", contentBlock));
    }

    private void closeBlock() {
        if (namelessCall != null) {
            // the name never came before something else had to be sent: the block goes as it is
            openToolBlock(namelessCall, "");
        }
        if (openBlock < 0) {
            return;
        }
        send("content_block_stop", Json.object().put("type", "content_block_stop").put("index", openBlock));
        openBlock = -1;
        openCall = null;
    }

    private void finish() {
        start();
        closeBlock();
        String stopReason = StopReasons.toStopReason(finishReason, stopSequence, refused, !calls.isEmpty());
        ObjectNode delta = Json.object().put("stop_reason", stopReason)
                .put("stop_sequence", "stop_sequence".equals(stopReason) ? stopSequence : null);
        ObjectNode messageDelta = Json.object().put("type", "message_delta");
        messageDelta.set("delta", delta);
        messageDelta.set("usage", AnthropicUsage.fromOpenAi(usage).toAnthropic());
        send("message_delta", messageDelta);
        send("message_stop", Json.object().put("type", "message_stop"));
        complete();
    }

    /** One client event, {@code event:} line and {@code data:} line. */
    private void send(String type, ObjectNode data) {
        emit("event: " + type + "\ndata: ");
        emit(Json.bytes(data));
        emit("\n\n");
    }
}
