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
 * {@code POST /v1/messages}: the request as the official Anthropic SDKs send it. Server tools (a {@code type} such as
 * {@code web_search_20250305}, {@code bash_20250124}, {@code text_editor_…}, {@code computer_…}, {@code mcp_toolset})
 * pass whatever their type, except {@code function}, which is the OpenAI tool shape sent to the wrong API. Unknown
 * content block types pass.
 */
final class AnthropicChecks {

    /** Claude Code sends system turns inside messages (contract §5). */
    private static final Set<String> ROLES = Set.of("user", "assistant", "system");
    private static final Set<String> CHOICES_WITHOUT_NAME = Set.of("auto", "any", "none");

    private AnthropicChecks() {
    }

    static void check(ObjectNode body) {
        ArrayNode messages = Fields.array(body, "messages", null);
        if (messages == null) {
            throw required("messages");
        }
        if (!present(body.get("max_tokens"))) {
            throw required("max_tokens");
        }
        parameters(body);
        ToolFindings findings = new ToolFindings();
        Set<String> declared = tools(body, findings);
        toolChoice(body, declared, findings);
        messages(messages, continuesThread(body), findings);
        findings.throwFirst();
    }

    /**
     * True when the request continues a message thread ({@code thread: {type: "continue", previous_message_id}}, the
     * Anthropic SDK's tool runner's default): it then carries only the new turns, and the {@code tool_use} a
     * {@code tool_result} answers lives in the thread the backend keeps.
     */
    private static boolean continuesThread(ObjectNode body) {
        JsonNode thread = body.get("thread");
        return thread != null && thread.isObject() && "continue".equals(thread.path("type").asText(null));
    }

    private static void parameters(ObjectNode body) {
        for (Map.Entry<String, JsonNode> field : body.properties()) {
            if (field.getValue().isNull()) {
                continue;
            }
            String name = field.getKey();
            switch (name) {
                case "temperature", "top_p" -> Fields.number(body, name, null);
                case "top_k", "max_tokens" -> Fields.integer(body, name, null);
                case "service_tier" -> Fields.string(body, name, null);
                case "stop_sequences" -> Fields.stringArray(body, name, null);
                case "mcp_servers" -> Fields.array(body, name, null);
                case "metadata" -> Fields.string(Fields.object(body, name, null), "user_id", name);
                case "system" -> system(body.get(name));
                case "thinking" -> {
                    ObjectNode thinking = Fields.object(body, name, null);
                    if ("enabled".equals(requiredString(thinking, "type", name))) {
                        if (!present(thinking.get("budget_tokens"))) {
                            throw required("thinking.budget_tokens");
                        }
                        Fields.integer(thinking, "budget_tokens", name);
                    }
                }
                default -> {
                }
            }
        }
    }

    /** A string or an array of text blocks. */
    private static void system(JsonNode system) {
        if (system.isTextual()) {
            return;
        }
        if (!system.isArray()) {
            throw mustBe("system", "a string or an array of text blocks");
        }
        for (int i = 0; i < system.size(); i++) {
            ObjectNode block = Fields.element((ArrayNode) system, i, "system");
            String at = "system[" + i + "]";
            if (!"text".equals(requiredString(block, "type", at))) {
                throw Fields.schema(at + ".type", at + ".type must be \"text\".");
            }
            requireString(block, "text", at);
        }
    }

    /** Every tool's name (client and server tools); type, schema and duplicate findings one tool after the other. */
    private static Set<String> tools(ObjectNode body, ToolFindings findings) {
        ArrayNode tools = Fields.array(body, "tools", null);
        if (tools == null || tools.isEmpty()) {
            return Set.of();
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < tools.size(); i++) {
            ObjectNode tool = Fields.element(tools, i, "tools");
            String at = "tools[" + i + "]";
            Fields.string(tool, "type", at);
            JsonNode type = tool.get("type");
            boolean client = !present(type) || "custom".equals(type.textValue());
            if ("function".equals(present(type) ? type.textValue() : null)) {
                findings.add(ErrorCode.UNSUPPORTED_TOOL_TYPE, at + ".type", at + ".type \"function\" is the OpenAI tool "
                        + "shape; on /v1/messages a tool is {name, description, input_schema}.");
                continue;
            }
            String name;
            if (client) {
                name = requiredString(tool, "name", at);
                Fields.string(tool, "description", at);
                findings.schema(tool.get("input_schema"), at + ".input_schema", true);
            } else {
                // a server tool: its own fields are the backend's to judge; its name still takes a place
                JsonNode serverName = tool.get("name");
                name = serverName != null && serverName.isTextual() ? serverName.textValue() : null;
            }
            findings.uniqueName(names, name, at + ".name", "tool");
        }
        return names;
    }

    private static void toolChoice(ObjectNode body, Set<String> declared, ToolFindings findings) {
        ObjectNode choice = Fields.object(body, "tool_choice", null);
        if (choice == null) {
            return;
        }
        String type = requiredString(choice, "type", "tool_choice");
        Fields.bool(choice, "disable_parallel_tool_use", "tool_choice");
        if ("tool".equals(type)) {
            String name = requiredString(choice, "name", "tool_choice");
            if (!declared.contains(name)) {
                findings.add(ErrorCode.TOOL_CHOICE_UNKNOWN_TOOL, "tool_choice.name",
                        "tool_choice names the tool " + quote(name) + ", which tools does not declare.");
            }
        } else if (!CHOICES_WITHOUT_NAME.contains(type)) {
            throw Fields.schema("tool_choice.type", "tool_choice.type must be auto, any, none or tool.");
        }
    }

    /** Checks the turns; whether a tool_result answers an earlier tool_use only when they hold the whole history. */
    private static void messages(ArrayNode messages, boolean partOfAThread, ToolFindings findings) {
        Set<String> issued = null;
        for (int i = 0; i < messages.size(); i++) {
            ObjectNode message = Fields.element(messages, i, "messages");
            String at = Fields.messageAt(i);
            String role = requiredString(message, "role", at);
            if (!ROLES.contains(role)) {
                throw Fields.schema(at + ".role", at + ".role must be user, assistant or system.");
            }
            JsonNode content = message.get("content");
            if (!present(content)) {
                throw required(at + ".content");
            }
            if (content.isTextual()) {
                continue;
            }
            if (!content.isArray()) {
                throw mustBe(at + ".content", "a string or an array of content blocks");
            }
            for (int j = 0; j < content.size(); j++) {
                ObjectNode block = Fields.element((ArrayNode) content, j, at + ".content");
                String blockAt = at + ".content[" + j + "]";
                issued = block(block, blockAt, issued, !partOfAThread, findings);
            }
        }
    }

    /** Checks one content block; answers the set of tool_use ids issued so far. */
    private static Set<String> block(ObjectNode block, String at, Set<String> issued, boolean wholeHistory,
            ToolFindings findings) {
        switch (requiredString(block, "type", at)) {
            case "text" -> requireString(block, "text", at);
            case "image", "document" -> requiredObject(block, "source", at);
            case "thinking" -> requireString(block, "thinking", at);
            case "tool_use", "server_tool_use", "mcp_tool_use" -> {
                String id = requiredString(block, "id", at);
                requireString(block, "name", at);
                if (!present(block.get("input"))) {
                    throw required(at + ".input");
                }
                Fields.object(block, "input", at);
                Set<String> ids = issued == null ? new HashSet<>() : issued;
                ids.add(id);
                return ids;
            }
            case "tool_result" -> {
                toolResult(block, at, issued, wholeHistory, findings);
                JsonNode content = block.get("content");
                if (present(content) && !content.isTextual()) {
                    if (!content.isArray()) {
                        throw mustBe(at + ".content", "a string or an array of content blocks");
                    }
                    for (int k = 0; k < content.size(); k++) {
                        ObjectNode inner = Fields.element((ArrayNode) content, k, at + ".content");
                        block(inner, at + ".content[" + k + "]", issued, wholeHistory, findings);
                    }
                }
                Fields.bool(block, "is_error", at);
            }
            default -> {
                // redacted_thinking, search_result, web_search_tool_result… are the backend's to judge
            }
        }
        return issued;
    }

    /** A {@code tool_result} block answers a {@code tool_use} block issued earlier in the conversation. */
    private static void toolResult(ObjectNode block, String at, Set<String> issued, boolean wholeHistory,
            ToolFindings findings) {
        findings.answer(block.get("tool_use_id"), at + ".tool_use_id", issued, wholeHistory,
                at + " is a tool_result without a tool_use_id naming the tool_use it answers.",
                "tool_use block of an earlier message");
    }
}
