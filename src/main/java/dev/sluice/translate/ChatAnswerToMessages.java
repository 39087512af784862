package dev.sluice.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** An OpenAI {@code chat.completion} as an Anthropic messages answer (contract §9 "Answer", the inverse way). */
final class ChatAnswerToMessages {

    private ChatAnswerToMessages() {
    }

    static ObjectNode translate(byte[] body, String clientModel) {
        JsonNode answer = Answers.read(body);
        JsonNode choices = answer.get("choices");
        if (choices == null || !choices.isArray() || choices.isEmpty() || !choices.get(0).path("message").isObject()) {
            throw new InvalidProviderResponse("The backend's answer has no choices with a message.");
        }
        JsonNode choice = choices.get(0);
        JsonNode message = choice.get("message");

        ArrayNode content = Json.array();
        ChatRequestToMessages.texts(message.get("content"))
                .forEach(text -> content.add(ChatRequestToMessages.textBlock(text)));
        // a refusal is what the model said instead of answering: the client reads it as text, stop_reason refusal
        String refusal = Json.text(message.get("refusal"));
        boolean refused = refusal != null && !refusal.isEmpty();
        if (refused) {
            content.add(ChatRequestToMessages.textBlock(refusal));
        }
        JsonNode calls = message.get("tool_calls");
        if (calls != null && calls.isArray()) {
            for (JsonNode call : calls) {
                JsonNode function = call.path("function");
                String id = Json.text(call.get("id"));
                String name = Json.text(function.get("name"));
                content.addObject().put("type", "tool_use")
                        // a call without an id gets one, as in a stream: the client sends it back with the result
                        .put("id", id == null || id.isEmpty() ? Ids.toolUse() : id)
                        .put("name", name == null ? "" : name)
                        .set("input", ToolArguments.toInput(function.get("arguments")));
            }
        }

        String stopSequence = Json.text(choice.get("stop_reason")); // vLLM names the stop string it matched
        String stopReason = StopReasons.toStopReason(Json.text(choice.get("finish_reason")), stopSequence, refused,
                calls != null && calls.isArray() && !calls.isEmpty());
        ObjectNode out = Json.object()
                .put("id", Ids.message())
                .put("type", "message")
                .put("role", "assistant")
                .put("model", clientModel);
        out.set("content", content);
        out.put("stop_reason", stopReason);
        out.put("stop_sequence", "stop_sequence".equals(stopReason) ? stopSequence : null);
        out.set("usage", AnthropicUsage.fromOpenAi(answer.get("usage")).toAnthropic());
        return out;
    }
}
