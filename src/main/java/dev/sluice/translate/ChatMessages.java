package dev.sluice.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * OpenAI {@code messages} being built: empty messages are left out, and consecutive system, user or assistant
 * messages become one (contract §9; some chat templates refuse two user turns in a row). Separate texts are joined
 * with a blank line. Tool messages stay one per result.
 */
final class ChatMessages {

    private final ArrayNode messages = Json.array();
    private ObjectNode last;

    void system(String text) {
        if (text.isEmpty()) {
            return;
        }
        if (lastRole("system")) {
            last.put("content", last.get("content").textValue() + "\n\n" + text);
        } else {
            last = messages.addObject().put("role", "system").put("content", text);
        }
    }

    void userText(String text) {
        if (text.isEmpty()) {
            return;
        }
        if (lastRole("user")) {
            JsonNode content = last.get("content");
            if (content.isTextual()) {
                last.put("content", content.textValue() + "\n\n" + text);
            } else {
                ((ArrayNode) content).addObject().put("type", "text").put("text", text);
            }
        } else {
            last = messages.addObject().put("role", "user").put("content", text);
        }
    }

    /** Content parts (text, image_url, file); a user turn of parts keeps its parts. */
    void userParts(ArrayNode parts) {
        if (parts.isEmpty()) {
            return;
        }
        if (lastRole("user")) {
            JsonNode content = last.get("content");
            ArrayNode merged = content.isArray() ? (ArrayNode) content
                    : Json.array().add(Json.object().put("type", "text").put("text", content.textValue()));
            merged.addAll(parts);
            last.set("content", merged);
        } else {
            last = messages.addObject().put("role", "user");
            last.set("content", parts);
        }
    }

    void assistant(String text, ArrayNode toolCalls) {
        if (text.isEmpty() && toolCalls.isEmpty()) {
            return;
        }
        if (lastRole("assistant")) {
            JsonNode content = last.get("content");
            if (!text.isEmpty()) {
                last.put("content", content.isTextual() ? content.textValue() + "\n\n" + text : text);
            }
            if (!toolCalls.isEmpty()) {
                JsonNode calls = last.get("tool_calls");
                if (calls == null) {
                    last.set("tool_calls", toolCalls);
                } else {
                    ((ArrayNode) calls).addAll(toolCalls);
                }
            }
            return;
        }
        last = messages.addObject().put("role", "assistant");
        // OpenAI's own history form: content null when the turn is only tool calls
        if (text.isEmpty()) {
            last.putNull("content");
        } else {
            last.put("content", text);
        }
        if (!toolCalls.isEmpty()) {
            last.set("tool_calls", toolCalls);
        }
    }

    void tool(String toolCallId, String content) {
        last = messages.addObject().put("role", "tool").put("tool_call_id", toolCallId).put("content", content);
    }

    ArrayNode messages() {
        return messages;
    }

    private boolean lastRole(String role) {
        return last != null && role.equals(last.get("role").textValue());
    }
}
