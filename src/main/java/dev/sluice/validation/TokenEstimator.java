package dev.sluice.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.http.Endpoint;

/** Estimated prompt tokens (contract §4.2): the characters of the text content / 4, rounded up. */
public final class TokenEstimator {

    private TokenEstimator() {
    }

    public static long promptTokens(Endpoint endpoint, ObjectNode body) {
        if (body == null) {
            return 0;
        }
        long chars = 0;
        for (String field : new String[] {"messages", "system", "prompt", "input", "instructions"}) {
            chars += textLength(body.get(field));
        }
        return (chars + 3) / 4;
    }

    private static long textLength(JsonNode node) {
        if (node == null) {
            return 0;
        }
        if (node.isTextual()) {
            return node.textValue().length();
        }
        long total = 0;
        if (node.isArray()) {
            for (JsonNode item : node) {
                total += textLength(item);
            }
        } else if (node.isObject()) {
            total += textLength(node.get("content")) + textLength(node.get("text"));
        }
        return total;
    }
}
