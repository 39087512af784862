package dev.sluice.validation;

import static dev.sluice.validation.Fields.mustBe;
import static dev.sluice.validation.Fields.present;
import static dev.sluice.validation.Fields.quote;
import static dev.sluice.validation.Fields.requireString;
import static dev.sluice.validation.Fields.requiredString;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.error.ErrorCode;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * {@code POST /v1/responses}. The API is broad (built-in tools, many input item types, state kept by the server), so
 * only what is sure is checked: field types, function tools, a {@code tool_choice} naming a function, message items,
 * and {@code function_call_output} items. Whether a {@code call_id} was issued is checked only when the request
 * carries its whole history (no {@code previous_response_id}, no {@code conversation}); otherwise the call may live
 * on the server.
 */
final class ResponsesChecks {

    private static final Set<String> TOOL_CHOICES = Set.of("none", "auto", "required");
    private static final Set<String> ROLES = Set.of("user", "assistant", "system", "developer");

    private ResponsesChecks() {
    }

    static void check(ObjectNode body) {
        parameters(body);
        ToolFindings findings = new ToolFindings();
        Set<String> declared = tools(body, findings);
        toolChoice(body, declared, findings);
        JsonNode input = body.get("input");
        if (present(input) && !input.isTextual()) {
            if (!input.isArray()) {
                throw mustBe("input", "a string or an array of input items");
            }
            boolean wholeHistory = !present(body.get("previous_response_id")) && !present(body.get("conversation"));
            items((ArrayNode) input, wholeHistory, findings);
        }
        findings.throwFirst();
    }

    private static void parameters(ObjectNode body) {
        for (Map.Entry<String, JsonNode> field : body.properties()) {
            if (field.getValue().isNull()) {
                continue;
            }
            String name = field.getKey();
            switch (name) {
                case "temperature", "top_p" -> Fields.number(body, name, null);
                case "max_output_tokens", "top_logprobs", "max_tool_calls" -> Fields.integer(body, name, null);
                case "store", "background", "parallel_tool_calls" -> Fields.bool(body, name, null);
                case "instructions", "previous_response_id", "user", "service_tier", "truncation", "prompt_cache_key",
                        "safety_identifier", "prompt_cache_retention" -> Fields.string(body, name, null);
                case "metadata" -> Fields.stringMap(body, name, null);
                case "include" -> Fields.stringArray(body, name, null);
                case "reasoning", "text", "prompt", "stream_options" -> Fields.object(body, name, null);
                case "conversation" -> {
                    if (!field.getValue().isTextual() && !field.getValue().isObject()) {
                        throw mustBe(name, "a string or an object");
                    }
                }
                default -> {
                }
            }
        }
    }

    /** The names of function and custom tools; built-in tools pass unchecked. */
    private static Set<String> tools(ObjectNode body, ToolFindings findings) {
        ArrayNode tools = Fields.array(body, "tools", null);
        if (tools == null || tools.isEmpty()) {
            return Set.of();
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < tools.size(); i++) {
            ObjectNode tool = Fields.element(tools, i, "tools");
            String at = "tools[" + i + "]";
            String type = requiredString(tool, "type", at);
            if (!"function".equals(type) && !"custom".equals(type)) {
                continue;
            }
            String name = requiredString(tool, "name", at);
            Fields.string(tool, "description", at);
            if ("function".equals(type)) {
                Fields.bool(tool, "strict", at);
                findings.schema(tool.get("parameters"), at + ".parameters", false);
            }
            findings.uniqueName(names, name, at + ".name", "tool");
        }
        return names;
    }

    private static void toolChoice(ObjectNode body, Set<String> declared, ToolFindings findings) {
        JsonNode choice = body.get("tool_choice");
        if (!present(choice)) {
            return;
        }
        if (choice.isTextual()) {
            if (!TOOL_CHOICES.contains(choice.textValue())) {
                throw Fields.schema("tool_choice", "tool_choice must be none, auto, required or an object.");
            }
            return;
        }
        if (!choice.isObject()) {
            throw mustBe("tool_choice", "a string or an object");
        }
        ObjectNode object = (ObjectNode) choice;
        String type = requiredString(object, "type", "tool_choice");
        if ("function".equals(type) || "custom".equals(type)) {
            String name = requiredString(object, "name", "tool_choice");
            if (!declared.contains(name)) {
                findings.add(ErrorCode.TOOL_CHOICE_UNKNOWN_TOOL, "tool_choice.name",
                        "tool_choice names the tool " + quote(name) + ", which tools does not declare.");
            }
        }
    }

    private static void items(ArrayNode input, boolean wholeHistory, ToolFindings findings) {
        Set<String> issued = null;
        for (int i = 0; i < input.size(); i++) {
            ObjectNode item = Fields.element(input, i, "input");
            String at = "input[" + i + "]";
            JsonNode typeNode = item.get("type");
            if (present(typeNode) && !typeNode.isTextual()) {
                throw mustBe(at + ".type", "a string");
            }
            String type = present(typeNode) ? typeNode.textValue() : "message";
            switch (type) {
                case "message" -> message(item, at);
                case "function_call_output" -> {
                    findings.answer(item.get("call_id"), at + ".call_id", issued, wholeHistory,
                            at + " is a function_call_output without a call_id naming the call it answers.",
                            "function_call of an earlier input item");
                    JsonNode output = item.get("output");
                    if (!present(output)) {
                        throw Fields.required(at + ".output");
                    }
                    if (!output.isTextual() && !output.isArray()) {
                        throw mustBe(at + ".output", "a string or an array of content parts");
                    }
                }
                default -> {
                    if (type.endsWith("_call")) {
                        // function_call, custom_tool_call, computer_call…: each issues its call_id
                        JsonNode id = item.get("call_id");
                        if (id != null && id.isTextual()) {
                            issued = issued == null ? new HashSet<>() : issued;
                            issued.add(id.textValue());
                        }
                        if ("function_call".equals(type)) {
                            requireString(item, "call_id", at);
                            requireString(item, "name", at);
                            requireString(item, "arguments", at);
                        }
                    }
                }
            }
        }
    }

    private static void message(ObjectNode item, String at) {
        String role = requiredString(item, "role", at);
        if (!ROLES.contains(role)) {
            throw Fields.schema(at + ".role", at + ".role must be one of user, assistant, system or developer.");
        }
        JsonNode content = item.get("content");
        if (!present(content)) {
            throw Fields.required(at + ".content");
        }
        if (content.isTextual()) {
            return;
        }
        if (!content.isArray()) {
            throw mustBe(at + ".content", "a string or an array of content parts");
        }
        for (int j = 0; j < content.size(); j++) {
            ObjectNode part = Fields.element((ArrayNode) content, j, at + ".content");
            String partAt = at + ".content[" + j + "]";
            String type = requiredString(part, "type", partAt);
            if ("input_text".equals(type) || "output_text".equals(type)) {
                requireString(part, "text", partAt);
            }
        }
    }
}
