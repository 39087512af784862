package dev.sluice.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * The endpoints whose input is plain text or token ids: {@code POST /v1/completions} ({@code prompt}) and
 * {@code POST /v1/embeddings} ({@code input}). Each takes a string, an array of strings, an array of token ids or an
 * array of arrays of token ids. {@code prompt} may be {@code null} (the API's default prompt); {@code input} may not.
 */
final class PromptChecks {

    private PromptChecks() {
    }

    static void completions(ObjectNode body) {
        if (!body.has("prompt")) {
            throw Fields.required("prompt");
        }
        for (Map.Entry<String, JsonNode> field : body.properties()) {
            JsonNode value = field.getValue();
            if (value.isNull()) {
                continue;
            }
            String name = field.getKey();
            switch (name) {
                case "prompt" -> Fields.textOrTokens(value, name);
                case "temperature", "top_p", "frequency_penalty", "presence_penalty" -> Fields.number(body, name, null);
                case "n", "best_of", "logprobs", "seed", "max_tokens" -> Fields.integer(body, name, null);
                case "echo" -> Fields.bool(body, name, null);
                case "suffix", "user" -> Fields.string(body, name, null);
                case "stop" -> Fields.stringOrStrings(body, name, null);
                case "logit_bias" -> Fields.numberMap(body, name, null);
                case "stream_options" -> Fields.bool(Fields.object(body, name, null), "include_usage", name);
                default -> {
                }
            }
        }
    }

    static void embeddings(ObjectNode body) {
        JsonNode input = body.get("input");
        if (!Fields.present(input)) {
            throw Fields.required("input");
        }
        Fields.textOrTokens(input, "input");
        Fields.string(body, "encoding_format", null);
        Fields.integer(body, "dimensions", null);
        Fields.string(body, "user", null);
    }
}
