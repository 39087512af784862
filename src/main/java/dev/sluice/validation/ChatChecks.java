package dev.sluice.validation;

import static dev.sluice.validation.Fields.mustBe;
import static dev.sluice.validation.Fields.present;
import static dev.sluice.validation.Fields.quote;
import static dev.sluice.validation.Fields.required;
import static dev.sluice.validation.Fields.requiredObject;
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
 * {@code POST /v1/chat/completions}: the request as the official OpenAI SDKs send it. Unknown fields, unknown content
 * part types and unknown enum values ({@code reasoning_effort}, {@code service_tier}, {@code response_format.type}…)
 * pass: backends extend the API and the proxy must not stand in their way.
 */
final class ChatChecks {

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");
    private static final Set<String> TOOL_CHOICES = Set.of("none", "auto", "required");
    private static final Set<String> FUNCTION_CALLS = Set.of("none", "auto");

    private ChatChecks() {
    }

    static void check(ObjectNode body) {
        ArrayNode messages = Fields.array(body, "messages", null);
        if (messages == null) {
            throw required("messages");
        }
        parameters(body);
        ToolFindings findings = new ToolFindings();
        Set<String> declared = tools(body, findings);
        toolChoice(body, declared, findings);
        Set<String> functions = functions(body, findings);
        functionCall(body, functions, findings);
        messages(messages, findings);
        findings.throwFirst();
    }

    /** The top-level parameters other than messages and tools. */
    private static void parameters(ObjectNode body) {
        for (Map.Entry<String, JsonNode> field : body.properties()) {
            if (field.getValue().isNull()) {
                continue;
            }
            String name = field.getKey();
            switch (name) {
                case "temperature", "top_p", "frequency_penalty", "presence_penalty" -> Fields.number(body, name, null);
                case "n", "seed", "top_logprobs", "max_tokens", "max_completion_tokens" -> Fields.integer(body, name, null);
                case "logprobs", "store", "parallel_tool_calls" -> Fields.bool(body, name, null);
                case "user", "service_tier", "reasoning_effort", "verbosity", "prompt_cache_key", "safety_identifier",
                        "prompt_cache_retention" -> Fields.string(body, name, null);
                case "stop" -> Fields.stringOrStrings(body, name, null);
                case "metadata" -> Fields.stringMap(body, name, null);
                case "logit_bias" -> Fields.numberMap(body, name, null);
                case "modalities" -> Fields.stringArray(body, name, null);
                case "audio", "prediction", "web_search_options" -> Fields.object(body, name, null);
                case "stream_options" -> {
                    ObjectNode options = Fields.object(body, name, null);
                    Fields.bool(options, "include_usage", name);
                    Fields.bool(options, "include_obfuscation", name);
                }
                case "response_format" -> responseFormat(Fields.object(body, name, null));
                default -> {
                }
            }
        }
    }

    private static void responseFormat(ObjectNode format) {
        String type = requiredString(format, "type", "response_format");
        if ("json_schema".equals(type)) {
            ObjectNode schema = requiredObject(format, "json_schema", "response_format");
            requireString(schema, "name", "response_format.json_schema");
            Fields.string(schema, "description", "response_format.json_schema");
            Fields.object(schema, "schema", "response_format.json_schema");
            Fields.bool(schema, "strict", "response_format.json_schema");
        }
    }

    /** The function tools' names; type, schema and duplicate findings noted one tool after the other. */
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
            if (!"function".equals(type)) {
                findings.add(ErrorCode.UNSUPPORTED_TOOL_TYPE, at + ".type",
                        at + ".type " + quote(type) + " is not supported; only \"function\" tools are.");
                continue;
            }
            String functionAt = at + ".function";
            ObjectNode function = requiredObject(tool, "function", at);
            String name = requiredString(function, "name", functionAt);
            Fields.string(function, "description", functionAt);
            Fields.bool(function, "strict", functionAt);
            findings.schema(function.get("parameters"), functionAt + ".parameters", false);
            findings.uniqueName(names, name, functionAt + ".name", "tool");
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
                throw Fields.schema("tool_choice", "tool_choice must be none, auto, required or an object naming a tool.");
            }
            return;
        }
        if (!choice.isObject()) {
            throw mustBe("tool_choice", "a string or an object");
        }
        ObjectNode object = (ObjectNode) choice;
        String type = requiredString(object, "type", "tool_choice");
        switch (type) {
            case "function" -> {
                ObjectNode function = requiredObject(object, "function", "tool_choice");
                String name = requiredString(function, "name", "tool_choice.function");
                if (!declared.contains(name)) {
                    findings.add(ErrorCode.TOOL_CHOICE_UNKNOWN_TOOL, "tool_choice.function.name",
                            "tool_choice names the function " + quote(name) + ", which tools does not declare.");
                }
            }
            case "allowed_tools" -> {
                ObjectNode allowed = requiredObject(object, "allowed_tools", "tool_choice");
                requireString(allowed, "mode", "tool_choice.allowed_tools");
                ArrayNode list = Fields.array(allowed, "tools", "tool_choice.allowed_tools");
                if (list == null) {
                    throw required("tool_choice.allowed_tools.tools");
                }
                for (int k = 0; k < list.size(); k++) {
                    String at = "tool_choice.allowed_tools.tools[" + k + "]";
                    ObjectNode entry = Fields.element(list, k, "tool_choice.allowed_tools.tools");
                    if ("function".equals(requiredString(entry, "type", at))) {
                        String name = requiredString(requiredObject(entry, "function", at), "name", at + ".function");
                        if (!declared.contains(name)) {
                            findings.add(ErrorCode.TOOL_CHOICE_UNKNOWN_TOOL, at + ".function.name",
                                    at + " names the function " + quote(name) + ", which tools does not declare.");
                        }
                    }
                }
            }
            case "custom" -> {
                // custom tools are refused as unsupported_tool_type, so no custom tool is ever declared
                String name = requiredString(requiredObject(object, "custom", "tool_choice"), "name", "tool_choice.custom");
                findings.add(ErrorCode.TOOL_CHOICE_UNKNOWN_TOOL, "tool_choice.custom.name",
                        "tool_choice names the custom tool " + quote(name) + ", which tools does not declare.");
            }
            default -> throw Fields.schema("tool_choice.type",
                    "tool_choice.type must be function, allowed_tools or custom.");
        }
    }

    /** The deprecated {@code functions} list, checked like {@code tools}. */
    private static Set<String> functions(ObjectNode body, ToolFindings findings) {
        ArrayNode functions = Fields.array(body, "functions", null);
        if (functions == null || functions.isEmpty()) {
            return Set.of();
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < functions.size(); i++) {
            ObjectNode function = Fields.element(functions, i, "functions");
            String at = "functions[" + i + "]";
            String name = requiredString(function, "name", at);
            Fields.string(function, "description", at);
            findings.schema(function.get("parameters"), at + ".parameters", false);
            findings.uniqueName(names, name, at + ".name", "function");
        }
        return names;
    }

    /** The deprecated {@code function_call}, checked like {@code tool_choice}. */
    private static void functionCall(ObjectNode body, Set<String> functions, ToolFindings findings) {
        JsonNode call = body.get("function_call");
        if (!present(call)) {
            return;
        }
        if (call.isTextual()) {
            if (!FUNCTION_CALLS.contains(call.textValue())) {
                throw Fields.schema("function_call", "function_call must be none, auto or an object naming a function.");
            }
            return;
        }
        if (!call.isObject()) {
            throw mustBe("function_call", "a string or an object");
        }
        String name = requiredString((ObjectNode) call, "name", "function_call");
        if (!functions.contains(name)) {
            findings.add(ErrorCode.TOOL_CHOICE_UNKNOWN_TOOL, "function_call.name",
                    "function_call names the function " + quote(name) + ", which functions does not declare.");
        }
    }

    private static void messages(ArrayNode messages, ToolFindings findings) {
        Set<String> issued = null;
        for (int i = 0; i < messages.size(); i++) {
            ObjectNode message = Fields.element(messages, i, "messages");
            String at = Fields.messageAt(i);
            String role = requiredString(message, "role", at);
            if (!ROLES.contains(role)) {
                throw Fields.schema(at + ".role",
                        at + ".role must be one of system, developer, user, assistant, tool or function.");
            }
            JsonNode content = message.get("content");
            switch (role) {
                case "assistant" -> {
                    if (present(content)) {
                        content(content, at, "a string, an array of content parts or null");
                    }
                    Fields.string(message, "name", at);
                    Fields.string(message, "refusal", at);
                    Fields.object(message, "audio", at);
                    issued = toolCalls(message, at, issued);
                    ObjectNode functionCall = Fields.object(message, "function_call", at);
                    if (functionCall != null) {
                        requireString(functionCall, "name", at + ".function_call");
                        requireString(functionCall, "arguments", at + ".function_call");
                    }
                }
                case "function" -> {
                    requireString(message, "name", at);
                    Fields.string(message, "content", at);
                }
                default -> {
                    if (!present(content)) {
                        throw required(at + ".content");
                    }
                    content(content, at, "a string or an array of content parts");
                    Fields.string(message, "name", at);
                    if ("tool".equals(role)) {
                        toolMessage(message, at, issued, findings);
                    }
                }
            }
        }
    }

    private static void content(JsonNode content, String at, String expected) {
        if (content.isTextual()) {
            return;
        }
        if (!content.isArray()) {
            throw mustBe(at + ".content", expected);
        }
        for (int j = 0; j < content.size(); j++) {
            ObjectNode part = Fields.element((ArrayNode) content, j, at + ".content");
            String partAt = at + ".content[" + j + "]";
            switch (requiredString(part, "type", partAt)) {
                case "text" -> requireString(part, "text", partAt);
                case "refusal" -> requireString(part, "refusal", partAt);
                case "image_url" -> {
                    ObjectNode image = requiredObject(part, "image_url", partAt);
                    requireString(image, "url", partAt + ".image_url");
                    Fields.string(image, "detail", partAt + ".image_url");
                }
                case "input_audio" -> {
                    ObjectNode audio = requiredObject(part, "input_audio", partAt);
                    requireString(audio, "data", partAt + ".input_audio");
                    requireString(audio, "format", partAt + ".input_audio");
                }
                case "file" -> {
                    ObjectNode file = requiredObject(part, "file", partAt);
                    Fields.string(file, "file_data", partAt + ".file");
                    Fields.string(file, "file_id", partAt + ".file");
                    Fields.string(file, "filename", partAt + ".file");
                }
                default -> {
                    // other part types (video_url, audio_url… of OpenAI-compatible servers) are the backend's to judge
                }
            }
        }
    }

    /** Records the ids an assistant message's {@code tool_calls} issue. */
    private static Set<String> toolCalls(ObjectNode message, String at, Set<String> issued) {
        ArrayNode calls = Fields.array(message, "tool_calls", at);
        if (calls == null) {
            return issued;
        }
        Set<String> ids = issued == null ? new HashSet<>() : issued;
        for (int k = 0; k < calls.size(); k++) {
            String callAt = at + ".tool_calls[" + k + "]";
            ObjectNode call = Fields.element(calls, k, at + ".tool_calls");
            String id = requiredString(call, "id", callAt);
            JsonNode type = call.get("type");
            if (present(type) && !type.isTextual()) {
                throw mustBe(callAt + ".type", "a string");
            }
            String kind = present(type) ? type.textValue() : "function";
            if ("function".equals(kind)) {
                ObjectNode function = requiredObject(call, "function", callAt);
                requireString(function, "name", callAt + ".function");
                requireString(function, "arguments", callAt + ".function");
            } else if ("custom".equals(kind)) {
                ObjectNode custom = requiredObject(call, "custom", callAt);
                requireString(custom, "name", callAt + ".custom");
                requireString(custom, "input", callAt + ".custom");
            }
            ids.add(id);
        }
        return ids;
    }

    /** A {@code role: tool} message answers a tool call that an earlier assistant message issued. */
    private static void toolMessage(ObjectNode message, String at, Set<String> issued, ToolFindings findings) {
        findings.answer(message.get("tool_call_id"), at + ".tool_call_id", issued, true,
                at + " has role \"tool\" but no tool_call_id naming the call it answers.",
                "tool call issued by an earlier assistant message");
    }
}
