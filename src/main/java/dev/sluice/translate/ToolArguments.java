package dev.sluice.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * A tool call's arguments in both forms: OpenAI's JSON string and Anthropic's {@code input} object. Arguments that
 * are empty, unparsable or not an object become {@code {}} (contract §9), in requests and answers alike: a model
 * that wrote broken arguments must not make the whole conversation unreadable.
 */
final class ToolArguments {

    private ToolArguments() {
    }

    /** OpenAI {@code function.arguments} to Anthropic {@code input}. */
    static ObjectNode toInput(JsonNode arguments) {
        if (arguments != null && arguments.isObject()) {
            return (ObjectNode) arguments; // some clients send the object itself
        }
        String text = Json.text(arguments);
        if (text == null || text.isBlank()) {
            return Json.object();
        }
        try {
            JsonNode parsed = Json.STRICT.readTree(text);
            return parsed != null && parsed.isObject() ? (ObjectNode) parsed : Json.object();
        } catch (IOException unparsable) {
            return Json.object();
        }
    }

    /** Anthropic {@code input} to OpenAI {@code function.arguments}. */
    static String toArguments(JsonNode input) {
        return input != null && input.isObject() ? Json.string(input) : "{}";
    }
}
