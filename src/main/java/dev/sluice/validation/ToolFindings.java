package dev.sluice.validation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.error.ErrorCode;
import dev.sluice.error.ProxyError;
import java.util.Set;

/**
 * The first tool finding (a 400) of one walk over a body. Schema failures (422) answer before tool failures
 * (contract §5), so a walk throws a schema failure at once but only notes a tool failure and goes on; the noted one
 * is thrown when the walk ends without a schema failure. Tool findings are noted in the order of §5: tool
 * definitions (type, schema, duplicate name, one tool after the other), then the tool choice, then the messages.
 */
final class ToolFindings {

    private ProxyError first;

    void add(ErrorCode code, String param, String message) {
        if (first == null) {
            first = ProxyError.of(code, message, param);
        }
    }

    /**
     * Notes {@code tool_schema_invalid} at {@code path} when {@code schema} is not a JSON Schema object with
     * {@code "type": "object"}; an absent schema passes unless {@code required}.
     */
    void schema(JsonNode schema, String path, boolean required) {
        boolean present = schema != null && !schema.isNull();
        String problem = present ? ToolSchemas.problem(schema) : required ? "is required" : null;
        if (problem != null) {
            add(ErrorCode.TOOL_SCHEMA_INVALID, path, path + " " + problem + ".");
        }
    }

    /** Notes {@code duplicate_tool_name} at {@code path} when {@code names} already holds {@code name}. */
    void uniqueName(Set<String> names, String name, String path, String what) {
        if (name != null && !names.add(name)) {
            add(ErrorCode.DUPLICATE_TOOL_NAME, path,
                    "The " + what + " name " + Fields.quote(name) + " is declared twice (again at " + path + ").");
        }
    }

    /**
     * Checks the id that a tool answer carries ({@code tool_call_id}, {@code tool_use_id}, {@code call_id}) at
     * {@code path}: {@code missing_tool_call_id} (with {@code missingMessage}) when it is absent or empty, a 422 when it
     * is not a string, and, when {@code checkIssued}, {@code orphan_tool_message} when {@code issued} (null: nothing
     * issued yet) lacks it.
     */
    void answer(JsonNode id, String path, Set<String> issued, boolean checkIssued, String missingMessage,
            String issuedBy) {
        if (id == null || id.isNull() || id.isTextual() && id.textValue().isEmpty()) {
            add(ErrorCode.MISSING_TOOL_CALL_ID, path, missingMessage);
        } else if (!id.isTextual()) {
            throw Fields.mustBe(path, "a string");
        } else if (checkIssued && (issued == null || !issued.contains(id.textValue()))) {
            add(ErrorCode.ORPHAN_TOOL_MESSAGE, path,
                    path + " " + Fields.quote(id.textValue()) + " answers no " + issuedBy + ".");
        }
    }

    void throwFirst() {
        if (first != null) {
            throw first;
        }
    }
}
