package dev.sluice.validation;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a tool's parameter schema must be on every endpoint ({@code function.parameters}, a Responses function tool's
 * {@code parameters}, an Anthropic tool's {@code input_schema}): a JSON Schema for an object. Only the top level is
 * checked; the schema's inside is the backend's business.
 */
final class ToolSchemas {

    private ToolSchemas() {
    }

    /** What is wrong with {@code schema}, worded to follow its path in a sentence, or null when nothing is. */
    static String problem(JsonNode schema) {
        if (!schema.isObject()) {
            return "must be a JSON Schema object";
        }
        JsonNode type = schema.get("type");
        if (type == null || !type.isTextual() || !"object".equals(type.textValue())) {
            return "must be a JSON Schema with \"type\": \"object\"";
        }
        JsonNode properties = schema.get("properties");
        if (properties != null && !properties.isObject()) {
            return "has \"properties\" that is not an object";
        }
        JsonNode required = schema.get("required");
        if (required != null) {
            if (!required.isArray()) {
                return "has \"required\" that is not an array of property names";
            }
            for (JsonNode name : required) {
                if (!name.isTextual()) {
                    return "has \"required\" that is not an array of property names";
                }
            }
        }
        return null;
    }
}
