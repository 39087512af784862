package dev.sluice.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** An Anthropic messages answer as an OpenAI {@code chat.completion} (contract §9 "Answer"). */
final class MessagesAnswerToChat {

    private MessagesAnswerToChat() {
    }

    static ObjectNode translate(byte[] body, String clientModel) {
        JsonNode answer = Answers.read(body);
        JsonNode content = answer.get("content");
        if (content == null || !content.isArray()) {
            throw new InvalidProviderResponse("The backend's answer has no content array.");
        }
        // text blocks are one continuous answer (split only around citations); thinking never becomes text
        StringBuilder text = new StringBuilder();
        ArrayNode calls = Json.array();
        for (JsonNode block : content) {
            String type = Json.text(block.get("type"));
            if ("text".equals(type)) {
                String piece = Json.text(block.get("text"));
                text.append(piece == null ? "" : piece);
            } else if ("tool_use".equals(type)) {
                ObjectNode call = calls.addObject().put("id", Json.text(block.get("id"))).put("type", "function");
                call.putObject("function").put("name", Json.text(block.get("name")))
                        .put("arguments", ToolArguments.toArguments(block.get("input")));
            }
        }
        ObjectNode message = Json.object().put("role", "assistant");
        if (text.isEmpty()) {
            message.putNull("content");
        } else {
            message.put("content", text.toString());
        }
        message.putNull("refusal");
        if (!calls.isEmpty()) {
            message.set("tool_calls", calls);
        }

        ObjectNode out = Json.object()
                .put("id", Ids.chatCompletion())
                .put("object", "chat.completion")
                .put("created", System.currentTimeMillis() / 1000)
                .put("model", clientModel);
        ObjectNode choice = out.putArray("choices").addObject().put("index", 0);
        choice.set("message", message);
        choice.putNull("logprobs");
        choice.put("finish_reason", StopReasons.toFinishReason(stopReason(answer)));
        AnthropicUsage usage = new AnthropicUsage();
        usage.merge(answer.get("usage"));
        out.set("usage", usage.toOpenAi());
        return out;
    }

    private static String stopReason(JsonNode answer) {
        String reason = Json.text(answer.get("stop_reason"));
        return reason != null ? reason : "end_turn"; // a complete answer has ended, whatever it says
    }
}
