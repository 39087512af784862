package dev.sluice.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Endpoint;

/**
 * The prompt-token estimate of contract §4.2: the characters of a request's text content divided by 4, rounded up.
 * Characters are Java {@code String.length()} units (UTF-16 code units: a character outside the Basic Multilingual
 * Plane, such as most emoji, counts 2).
 *
 * <p>The text content is, per endpoint:
 * <ul>
 *   <li>{@code /v1/chat/completions}: every message's {@code content} when a string, the {@code text} (and
 *       {@code refusal}) of its content parts, the {@code arguments} of an assistant's {@code tool_calls} and of its
 *       deprecated {@code function_call}. System, developer and tool messages are messages like the others.</li>
 *   <li>{@code /v1/messages}: {@code system} (a string or its text blocks), every text block, the text of
 *       {@code tool_result} blocks, and each {@code tool_use} block's {@code input} as compact JSON.</li>
 *   <li>{@code /v1/completions}: {@code prompt}; {@code /v1/embeddings}: {@code input}. A string or an array of
 *       strings counts its characters; a token id counts as one token (4 characters).</li>
 *   <li>{@code /v1/responses}: {@code instructions} and {@code input} (a string, or its items' text content, the
 *       {@code arguments} of function calls and the {@code output} of function call outputs).</li>
 * </ul>
 * Tool definitions, images, audio, file data and reasoning blocks are not counted.
 *
 * <p>Pure and thread-safe; walks the tree once and never fails, whatever the shape of the body (unexpected values are
 * not counted), so that it can run before or without the checks of {@link RequestValidator}.
 */
public final class TokenEstimator {

    private static final int CHARS_PER_TOKEN = 4;

    private TokenEstimator() {
    }

    /**
     * The tokens a request may spend on its answer: its {@code max_tokens} (or the model's default when absent); 0
     * for embeddings, whose answers carry no completion tokens.
     */
    public static long answerBudget(Endpoint endpoint, Integer maxTokens, int defaultMaxTokens) {
        if (endpoint == Endpoint.EMBEDDINGS) {
            return 0;
        }
        return maxTokens != null ? maxTokens : defaultMaxTokens;
    }

    /** The estimated prompt tokens of a request body sent to {@code endpoint}; 0 for endpoints without a prompt. */
    public static long promptTokens(Endpoint endpoint, ObjectNode body) {
        long characters = switch (endpoint) {
            case CHAT_COMPLETIONS -> chat(body);
            case MESSAGES -> anthropic(body);
            case COMPLETIONS -> textOrTokens(body.get("prompt"));
            case EMBEDDINGS -> textOrTokens(body.get("input"));
            case RESPONSES -> responses(body);
            default -> 0;
        };
        return (characters + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN;
    }

    private static long chat(ObjectNode body) {
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray()) {
            return 0;
        }
        long characters = 0;
        for (JsonNode message : messages) {
            characters += contentText(message.get("content"));
            JsonNode calls = message.get("tool_calls");
            if (calls != null && calls.isArray()) {
                for (JsonNode call : calls) {
                    characters += text(call.path("function").get("arguments"));
                }
            }
            characters += text(message.path("function_call").get("arguments"));
        }
        return characters;
    }

    private static long anthropic(ObjectNode body) {
        long characters = contentText(body.get("system"));
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray()) {
            return characters;
        }
        for (JsonNode message : messages) {
            JsonNode content = message.get("content");
            if (content == null) {
                continue;
            }
            if (content.isTextual()) {
                characters += content.textValue().length();
                continue;
            }
            for (JsonNode block : content) {
                JsonNode type = block.get("type");
                String kind = type != null && type.isTextual() ? type.textValue() : "";
                switch (kind) {
                    case "text" -> characters += text(block.get("text"));
                    case "tool_result" -> characters += contentText(block.get("content"));
                    case "tool_use" -> {
                        JsonNode input = block.get("input");
                        if (input != null && input.isContainerNode()) {
                            characters += input.toString().length();
                        }
                    }
                    default -> {
                    }
                }
            }
        }
        return characters;
    }

    private static long responses(ObjectNode body) {
        long characters = text(body.get("instructions"));
        JsonNode input = body.get("input");
        if (input == null) {
            return characters;
        }
        if (input.isTextual()) {
            return characters + input.textValue().length();
        }
        for (JsonNode item : input) {
            characters += contentText(item.get("content"));
            characters += text(item.get("arguments"));
            characters += contentText(item.get("output"));
        }
        return characters;
    }

    /** A string, or the {@code text} (and {@code refusal}) of an array of parts or blocks. */
    private static long contentText(JsonNode content) {
        if (content == null) {
            return 0;
        }
        if (content.isTextual()) {
            return content.textValue().length();
        }
        long characters = 0;
        if (content.isArray()) {
            for (JsonNode part : content) {
                characters += text(part.get("text")) + text(part.get("refusal"));
            }
        }
        return characters;
    }

    /** Strings count their characters, token ids one token each, arrays their elements. */
    private static long textOrTokens(JsonNode value) {
        if (value == null) {
            return 0;
        }
        if (value.isTextual()) {
            return value.textValue().length();
        }
        if (value.isIntegralNumber()) {
            return CHARS_PER_TOKEN;
        }
        long characters = 0;
        if (value.isArray()) {
            for (JsonNode element : value) {
                characters += textOrTokens(element);
            }
        }
        return characters;
    }

    private static long text(JsonNode value) {
        return value != null && value.isTextual() ? value.textValue().length() : 0;
    }
}
