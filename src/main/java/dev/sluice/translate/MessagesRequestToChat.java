package dev.sluice.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An Anthropic messages request as an OpenAI chat completions request (contract §9 "Request", the inverse way).
 * Anthropic-only features that do not change what the answer means (prompt caching, thinking, context management,
 * deferred tool loading) are dropped: Claude Code sends all of them.
 */
final class MessagesRequestToChat {

    /** Blocks of an assistant turn that only Anthropic's servers can read: thinking and server-side tool traffic. */
    private static final Set<String> ANTHROPIC_ONLY_HISTORY = Set.of("thinking", "redacted_thinking",
            "server_tool_use", "web_search_tool_result", "web_fetch_tool_result", "code_execution_tool_result",
            "bash_code_execution_tool_result", "text_editor_code_execution_tool_result", "mcp_tool_use",
            "mcp_tool_result", "container_upload", "tool_search_tool_result");

    private MessagesRequestToChat() {
    }

    /** What starts the text block of Claude Code's billing line ({@code x-anthropic-billing-header: cc_version=…}). */
    static final String BILLING_LINE = "x-anthropic-billing-header:";

    /**
     * A system prompt's texts, without Claude Code's billing line: meant for Anthropic's API, which reads it, it is
     * only noise to another backend, and one that changes from session to session (its version suffix) at the very
     * start of the prompt defeats the backend's prefix cache for everything after it.
     */
    static List<String> systemTexts(JsonNode system) {
        List<String> texts = ChatRequestToMessages.texts(system);
        texts.removeIf(text -> text.startsWith(BILLING_LINE));
        return texts;
    }

    static ObjectNode translate(ObjectNode anthropic, String upstreamModel, MaxTokens maxTokens) {
        refuseUnsupported(anthropic);
        ObjectNode out = Json.object();
        out.put("model", upstreamModel);

        ChatMessages chat = new ChatMessages();
        JsonNode system = anthropic.get("system");
        if (system != null && (system.isTextual() || system.isArray())) {
            chat.system(String.join("\n\n", systemTexts(system)));
        }
        JsonNode messages = anthropic.get("messages");
        if (messages == null || !messages.isArray()) {
            throw Refusals.malformed("messages", "must be an array");
        }
        for (int i = 0; i < messages.size(); i++) {
            addTurn(messages.get(i), "messages[" + i + "]", chat);
        }
        out.set("messages", chat.messages());

        long tokens = maxTokens.capIfAsked(anthropic.get("max_tokens"));
        if (tokens >= 0) {
            out.put("max_tokens", tokens);
        }
        JsonNode stop = anthropic.get("stop_sequences");
        if (stop != null && stop.isArray() && !stop.isEmpty()) {
            out.set("stop", stop);
        }
        ChatRequestToMessages.copyNumber(anthropic, out, "temperature");
        ChatRequestToMessages.copyNumber(anthropic, out, "top_p");
        tools(anthropic, out);
        String user = Json.text(anthropic.path("metadata").get("user_id"));
        if (user != null) {
            out.put("user", user);
        }
        if (anthropic.path("stream").asBoolean(false)) {
            // the answer's usage comes only in a last chunk, and only when asked for; Anthropic clients always get it
            out.put("stream", true);
            out.putObject("stream_options").put("include_usage", true);
        }
        return out;
    }

    private static void refuseUnsupported(ObjectNode anthropic) {
        for (Map.Entry<String, JsonNode> field : anthropic.properties()) {
            if (field.getKey().equals("top_k") && Json.present(field.getValue())) {
                throw Refusals.unsupported("top_k", Refusals.OPENAI);
            }
            if (field.getKey().equals("thread") && field.getValue().isObject()) {
                throw Refusals.unsupportedThread(Refusals.OPENAI);
            }
            if (field.getKey().equals("thread") && Json.present(field.getValue()) && !field.getValue().isBoolean()) {
                // neither a thread nor "no thread" (null, false): not dropped as if it were nothing
                throw Refusals.malformed("thread", "must be an object");
            }
        }
    }

    private static void addTurn(JsonNode turn, String at, ChatMessages chat) {
        String role = Json.text(turn.get("role"));
        JsonNode content = turn.get("content");
        if (role == null) {
            throw Refusals.malformed(at + ".role", "must be a string");
        }
        switch (role) {
            // Claude Code's system turns: a system message at their place
            case "system" -> chat.system(String.join("\n\n", systemTexts(content)));
            case "user" -> addUser(content, at, chat);
            case "assistant" -> addAssistant(content, at, chat);
            default -> throw Refusals.malformed(at + ".role", "must be user, assistant or system");
        }
    }

    /**
     * A user turn: its {@code tool_result} blocks become {@code role: tool} messages, in order and first (OpenAI
     * wants them right after the assistant's tool calls), then the rest of the turn becomes one user message.
     */
    private static void addUser(JsonNode content, String at, ChatMessages chat) {
        if (content == null || !content.isArray()) {
            chat.userText(content != null && content.isTextual() ? content.textValue() : "");
            return;
        }
        ArrayNode parts = Json.array();
        for (int j = 0; j < content.size(); j++) {
            JsonNode block = content.get(j);
            String blockAt = at + ".content[" + j + "]";
            String type = Json.text(block.get("type"));
            if ("tool_result".equals(type)) {
                chat.tool(Json.text(block.get("tool_use_id")), toolResultText(block.get("content"), blockAt, parts));
            } else {
                addUserPart(block, type, blockAt, parts);
            }
        }
        chat.userParts(parts);
    }

    private static void addUserPart(JsonNode block, String type, String at, ArrayNode parts) {
        switch (type == null ? "" : type) {
            case "text" -> {
                String text = Json.text(block.get("text"));
                if (text != null && !text.isEmpty()) {
                    parts.addObject().put("type", "text").put("text", text);
                }
            }
            case "image" -> parts.addObject().put("type", "image_url").putObject("image_url")
                    .put("url", MediaSources.toUrl(block.path("source"), at));
            case "document" -> addDocument(block, at, parts);
            // thinking in a user turn means nothing to anyone; other blocks have no OpenAI form
            case "thinking", "redacted_thinking" -> {
            }
            default -> throw Refusals.unsupported(at + ".type", Refusals.OPENAI);
        }
    }

    /**
     * A plain-text document is text; a PDF is an OpenAI file part, named after the document's {@code title} (the
     * model may refer to it by that name); anything else cannot be sent.
     */
    private static void addDocument(JsonNode document, String at, ArrayNode parts) {
        JsonNode source = document.path("source");
        String type = Json.text(source.get("type"));
        if ("text".equals(type) && Json.text(source.get("data")) != null) {
            parts.addObject().put("type", "text").put("text", source.get("data").textValue());
        } else if ("base64".equals(type) && "application/pdf".equals(Json.text(source.get("media_type")))) {
            parts.addObject().put("type", "file").putObject("file").put("filename", pdfName(document.get("title")))
                    .put("file_data", MediaSources.toUrl(source, at));
        } else {
            throw Refusals.unsupported(at + ".source.type", Refusals.OPENAI);
        }
    }

    /** The document's title as a file name ending in {@code .pdf}; {@code document.pdf} without one. */
    private static String pdfName(JsonNode title) {
        String name = Json.text(title);
        if (name == null || name.isBlank()) {
            return "document.pdf";
        }
        return name.regionMatches(true, Math.max(0, name.length() - 4), ".pdf", 0, 4) ? name : name + ".pdf";
    }

    /**
     * A tool result's text (its text blocks and plain-text documents). Images and PDFs it holds cannot go in a tool
     * message: they join the user message that follows.
     * {@code is_error} has no OpenAI field (and OpenAI refuses unknown message fields): the text says what failed.
     */
    private static String toolResultText(JsonNode content, String at, ArrayNode userParts) {
        if (content == null || !content.isArray()) {
            return content != null && content.isTextual() ? content.textValue() : "";
        }
        StringBuilder text = new StringBuilder();
        for (int k = 0; k < content.size(); k++) {
            JsonNode block = content.get(k);
            String type = Json.text(block.get("type"));
            // a plain-text document is text too: the tool's answer, not something the user said after it
            String piece = "text".equals(type) ? Json.text(block.get("text"))
                    : "document".equals(type) && "text".equals(Json.text(block.path("source").get("type")))
                            ? Json.text(block.path("source").get("data")) : null;
            if (piece != null) {
                if (!piece.isEmpty()) {
                    text.append(text.isEmpty() ? "" : "\n\n").append(piece);
                }
            } else if (!"text".equals(type)) {
                addUserPart(block, type, at + ".content[" + k + "]", userParts);
            }
        }
        return text.toString();
    }

    /** Text blocks are one continuous answer: joined as they are. Thinking and server-side blocks are dropped. */
    private static void addAssistant(JsonNode content, String at, ChatMessages chat) {
        if (content == null || !content.isArray()) {
            chat.assistant(content != null && content.isTextual() ? content.textValue() : "", Json.array());
            return;
        }
        StringBuilder text = new StringBuilder();
        ArrayNode calls = Json.array();
        for (int j = 0; j < content.size(); j++) {
            JsonNode block = content.get(j);
            String type = Json.text(block.get("type"));
            if ("text".equals(type)) {
                String piece = Json.text(block.get("text"));
                text.append(piece == null ? "" : piece);
            } else if ("tool_use".equals(type)) {
                ObjectNode call = calls.addObject().put("id", Json.text(block.get("id"))).put("type", "function");
                call.putObject("function").put("name", Json.text(block.get("name")))
                        .put("arguments", ToolArguments.toArguments(block.get("input")));
            } else if (type == null || !ANTHROPIC_ONLY_HISTORY.contains(type)) {
                throw Refusals.unsupported(at + ".content[" + j + "].type", Refusals.OPENAI);
            }
        }
        chat.assistant(text.toString(), calls);
    }

    private static void tools(ObjectNode anthropic, ObjectNode out) {
        JsonNode tools = anthropic.get("tools");
        if (tools == null || !tools.isArray() || tools.isEmpty()) {
            return;
        }
        ArrayNode translated = out.putArray("tools");
        for (int k = 0; k < tools.size(); k++) {
            JsonNode tool = tools.get(k);
            String type = Json.text(tool.get("type"));
            if (type != null && !type.equals("custom")) {
                // a server tool (web search, code execution, ...) runs at Anthropic only
                throw Refusals.unsupportedToolType("tools[" + k + "].type", type, Refusals.OPENAI);
            }
            ObjectNode function = translated.addObject().put("type", "function").putObject("function");
            function.put("name", Json.text(tool.get("name")));
            if (Json.text(tool.get("description")) != null) {
                function.put("description", tool.get("description").textValue());
            }
            JsonNode schema = tool.get("input_schema");
            function.set("parameters", schema != null && schema.isObject() ? schema
                    : Json.object().put("type", "object").set("properties", Json.object()));
        }
        JsonNode choice = anthropic.get("tool_choice");
        if (choice != null && choice.isObject()) {
            switch (String.valueOf(Json.text(choice.get("type")))) {
                case "auto" -> out.put("tool_choice", "auto");
                case "any" -> out.put("tool_choice", "required");
                case "none" -> out.put("tool_choice", "none");
                case "tool" -> out.putObject("tool_choice").put("type", "function").putObject("function")
                        .put("name", Json.text(choice.get("name")));
                default -> throw Refusals.unsupported("tool_choice.type", Refusals.OPENAI);
            }
            if (choice.path("disable_parallel_tool_use").asBoolean(false)) {
                out.put("parallel_tool_calls", false);
            }
        }
    }
}
