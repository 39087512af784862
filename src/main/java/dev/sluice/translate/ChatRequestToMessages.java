package dev.sluice.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An OpenAI chat completions request as an Anthropic messages request (contract §9 "Request"). Fields with no
 * equivalent that do not change the answer's meaning are dropped; those that would are refused.
 */
final class ChatRequestToMessages {

    private ChatRequestToMessages() {
    }

    static ObjectNode translate(ObjectNode chat, String upstreamModel, MaxTokens maxTokens) {
        refuseUnsupported(chat);
        ObjectNode out = Json.object();
        out.put("model", upstreamModel);
        out.put("max_tokens", maxTokens.resolve(chat.get("max_completion_tokens"), chat.get("max_tokens")));

        List<String> system = new ArrayList<>();
        AnthropicTurns turns = new AnthropicTurns();
        JsonNode messages = chat.get("messages");
        if (messages == null || !messages.isArray()) {
            throw Refusals.malformed("messages", "must be an array");
        }
        for (int i = 0; i < messages.size(); i++) {
            addMessage(messages.get(i), "messages[" + i + "]", system, turns);
        }
        if (!system.isEmpty() && turns.isEmpty()) {
            // A chat of system messages only is answered by OpenAI; Anthropic refuses `messages: []`. The
            // instructions are the whole prompt there, so they are sent as the one user turn.
            turns.add("user", Json.array().add(textBlock(String.join("\n\n", system))));
        } else if (!system.isEmpty()) {
            out.put("system", String.join("\n\n", system));
        }
        out.set("messages", turns.turns());

        tools(chat, out);
        ArrayNode stop = stopSequences(chat.get("stop"));
        if (!stop.isEmpty()) {
            out.set("stop_sequences", stop);
        }
        copyNumber(chat, out, "temperature");
        copyNumber(chat, out, "top_p");
        String user = Json.text(chat.get("user"));
        if (user != null) {
            out.putObject("metadata").put("user_id", user);
        }
        if (chat.path("stream").asBoolean(false)) {
            out.put("stream", true);
        }
        return out;
    }

    /** The first parameter, in body order, that Anthropic cannot honour. */
    private static void refuseUnsupported(ObjectNode chat) {
        for (Map.Entry<String, JsonNode> field : chat.properties()) {
            JsonNode value = field.getValue();
            boolean unsupported = switch (field.getKey()) {
                case "n" -> Json.count(value) > 1;
                case "logprobs" -> value.isBoolean() && value.booleanValue();
                case "top_logprobs" -> Json.count(value) > 0;
                case "logit_bias" -> value.isObject() && !value.isEmpty();
                case "response_format" -> "json_schema".equals(Json.text(value.get("type")));
                default -> false;
            };
            if (unsupported) {
                throw Refusals.unsupported(field.getKey(), Refusals.ANTHROPIC);
            }
        }
    }

    private static void addMessage(JsonNode message, String at, List<String> system, AnthropicTurns turns) {
        String role = Json.text(message.get("role"));
        if (role == null) {
            throw Refusals.malformed(at + ".role", "must be a string");
        }
        JsonNode content = message.get("content");
        switch (role) {
            // Anthropic has one system prompt: every system and developer message goes there, in order
            case "system", "developer" -> system.addAll(texts(content));
            case "user" -> turns.add("user", userBlocks(content, at));
            case "assistant" -> turns.add("assistant", assistantBlocks(message, at));
            // consecutive tool messages merge into one user turn of tool_result blocks, in order
            case "tool" -> turns.add("user", Json.array().add(toolResult(message)));
            case "function" -> throw Refusals.unsupported(at + ".role", Refusals.ANTHROPIC);
            default -> throw Refusals.malformed(at + ".role", "must be system, developer, user, assistant or tool");
        }
    }

    /** The non-empty texts of a string or of an array of parts (other parts are not text). */
    static List<String> texts(JsonNode content) {
        List<String> texts = new ArrayList<>();
        if (content != null && content.isTextual()) {
            addIfNotEmpty(texts, content.textValue());
        } else if (content != null && content.isArray()) {
            for (JsonNode part : content) {
                String type = Json.text(part.get("type"));
                if ("text".equals(type) || "refusal".equals(type)) {
                    addIfNotEmpty(texts, Json.text(part.get(type)));
                }
            }
        }
        return texts;
    }

    private static ArrayNode userBlocks(JsonNode content, String at) {
        ArrayNode blocks = Json.array();
        if (content == null || !content.isArray()) {
            texts(content).forEach(text -> blocks.add(textBlock(text)));
            return blocks;
        }
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            String partAt = at + ".content[" + j + "]";
            String type = Json.text(part.get("type"));
            switch (type == null ? "" : type) {
                case "text" -> {
                    String text = Json.text(part.get("text"));
                    if (text != null && !text.isEmpty()) {
                        blocks.add(textBlock(text));
                    }
                }
                case "image_url" -> {
                    JsonNode url = part.path("image_url").get("url");
                    blocks.addObject().put("type", "image")
                            .set("source", MediaSources.fromUrl(Json.text(url), partAt + ".image_url.url"));
                }
                case "file" -> blocks.add(document(part.path("file"), partAt));
                // input_audio and any part type Anthropic cannot read: the answer would ignore it
                default -> throw Refusals.unsupported(partAt + ".type", Refusals.ANTHROPIC);
            }
        }
        return blocks;
    }

    /**
     * A PDF given inline ({@code file_data}), titled with its {@code filename} when it has one; a {@code file_id}
     * names a file only OpenAI has.
     */
    private static ObjectNode document(JsonNode file, String at) {
        String data = Json.text(file.get("file_data"));
        if (data == null) {
            throw Refusals.unsupported(at + ".file.file_id", Refusals.ANTHROPIC);
        }
        ObjectNode document = Json.object().put("type", "document");
        document.set("source", MediaSources.fromUrl(data, at + ".file.file_data"));
        String filename = Json.text(file.get("filename"));
        if (filename != null && !filename.isBlank()) {
            document.put("title", filename);
        }
        return document;
    }

    private static ArrayNode assistantBlocks(JsonNode message, String at) {
        ArrayNode blocks = Json.array();
        texts(message.get("content")).forEach(text -> blocks.add(textBlock(text)));
        // an earlier answer that refused: what it said is part of the conversation (the SDKs keep it in this field)
        String refusal = Json.text(message.get("refusal"));
        if (refusal != null && !refusal.isEmpty() && blocks.isEmpty()) {
            blocks.add(textBlock(refusal));
        }
        if (Json.present(message.get("function_call"))) {
            throw Refusals.unsupported(at + ".function_call", Refusals.ANTHROPIC);
        }
        JsonNode calls = message.get("tool_calls");
        if (calls != null && calls.isArray()) {
            for (int k = 0; k < calls.size(); k++) {
                JsonNode call = calls.get(k);
                String type = Json.text(call.get("type"));
                if (type != null && !type.equals("function")) {
                    throw Refusals.unsupported(at + ".tool_calls[" + k + "].type", Refusals.ANTHROPIC);
                }
                JsonNode function = call.path("function");
                blocks.addObject().put("type", "tool_use")
                        .put("id", Json.text(call.get("id")))
                        .put("name", Json.text(function.get("name")))
                        .set("input", ToolArguments.toInput(function.get("arguments")));
            }
        }
        return blocks;
    }

    private static ObjectNode toolResult(JsonNode message) {
        ObjectNode result = Json.object().put("type", "tool_result").put("tool_use_id", Json.text(message.get("tool_call_id")));
        JsonNode content = message.get("content");
        if (content != null && content.isTextual()) {
            if (!content.textValue().isEmpty()) {
                result.put("content", content.textValue());
            }
        } else {
            ArrayNode blocks = Json.array();
            texts(content).forEach(text -> blocks.add(textBlock(text)));
            if (!blocks.isEmpty()) {
                result.set("content", blocks);
            }
        }
        // OpenAI has no is_error; a client that sends one anyway means it
        JsonNode isError = message.get("is_error");
        if (isError != null && isError.isBoolean()) {
            result.put("is_error", isError.booleanValue());
        }
        return result;
    }

    private static void tools(ObjectNode chat, ObjectNode out) {
        JsonNode tools = chat.get("tools");
        if (tools == null || !tools.isArray() || tools.isEmpty()) {
            return; // tool_choice and parallel_tool_calls mean nothing without tools
        }
        ArrayNode translated = out.putArray("tools");
        for (int k = 0; k < tools.size(); k++) {
            JsonNode tool = tools.get(k);
            String type = Json.text(tool.get("type"));
            if (type != null && !type.equals("function")) {
                throw Refusals.unsupported("tools[" + k + "].type", Refusals.ANTHROPIC);
            }
            JsonNode function = tool.path("function");
            ObjectNode definition = translated.addObject().put("name", Json.text(function.get("name")));
            if (Json.text(function.get("description")) != null) {
                definition.put("description", function.get("description").textValue());
            }
            JsonNode parameters = function.get("parameters");
            definition.set("input_schema", parameters != null && parameters.isObject() ? parameters
                    : Json.object().put("type", "object").set("properties", Json.object()));
        }
        ObjectNode choice = toolChoice(chat.get("tool_choice"));
        JsonNode parallel = chat.get("parallel_tool_calls");
        if (parallel != null && parallel.isBoolean() && !parallel.booleanValue()) {
            if (choice == null) {
                choice = Json.object().put("type", "auto");
            }
            if (!"none".equals(choice.get("type").textValue())) {
                choice.put("disable_parallel_tool_use", true);
            }
        }
        if (choice != null) {
            out.set("tool_choice", choice);
        }
    }

    private static ObjectNode toolChoice(JsonNode choice) {
        if (choice == null || choice.isNull()) {
            return null;
        }
        if (choice.isTextual()) {
            return switch (choice.textValue()) {
                case "auto" -> Json.object().put("type", "auto");
                case "required" -> Json.object().put("type", "any");
                case "none" -> Json.object().put("type", "none");
                default -> throw Refusals.unsupported("tool_choice", Refusals.ANTHROPIC);
            };
        }
        if ("function".equals(Json.text(choice.get("type")))) {
            return Json.object().put("type", "tool").put("name", Json.text(choice.path("function").get("name")));
        }
        // allowed_tools, custom: no Anthropic equivalent
        throw Refusals.unsupported("tool_choice.type", Refusals.ANTHROPIC);
    }

    private static ArrayNode stopSequences(JsonNode stop) {
        ArrayNode sequences = Json.array();
        if (stop != null && stop.isTextual()) {
            sequences.add(stop.textValue());
        } else if (stop != null && stop.isArray()) {
            stop.forEach(sequence -> {
                if (sequence.isTextual()) {
                    sequences.add(sequence.textValue());
                }
            });
        }
        return sequences;
    }

    static ObjectNode textBlock(String text) {
        return Json.object().put("type", "text").put("text", text);
    }

    static void copyNumber(JsonNode from, ObjectNode to, String field) {
        JsonNode value = from.get(field);
        if (value != null && value.isNumber()) {
            to.set(field, value);
        }
    }

    private static void addIfNotEmpty(List<String> texts, String text) {
        if (text != null && !text.isEmpty()) {
            texts.add(text);
        }
    }
}
