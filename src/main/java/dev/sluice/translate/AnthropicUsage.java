package dev.sluice.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Token counts in Anthropic's terms, where cached prompt tokens are counted apart from {@code input_tokens}, and
 * their OpenAI form, where {@code prompt_tokens} includes them (contract §9 "usage"). Mutable so that a stream can
 * merge {@code message_start}'s counts with {@code message_delta}'s.
 */
final class AnthropicUsage {

    private long input;
    private long output;
    private long cacheRead;
    private long cacheCreation;
    /** OpenAI reports {@code cached_tokens} only sometimes; Anthropic's form carries it only then. */
    private boolean cacheReadKnown;

    /** Takes every count this usage object has; counts it does not have keep their value. */
    void merge(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return;
        }
        input = pick(usage.get("input_tokens"), input);
        output = pick(usage.get("output_tokens"), output);
        cacheCreation = pick(usage.get("cache_creation_input_tokens"), cacheCreation);
        if (Json.count(usage.get("cache_read_input_tokens")) >= 0) {
            cacheRead = usage.get("cache_read_input_tokens").asLong();
            cacheReadKnown = true;
        }
    }

    /** From OpenAI's usage: {@code input_tokens} = {@code prompt_tokens} − {@code cached_tokens}. */
    static AnthropicUsage fromOpenAi(JsonNode usage) {
        AnthropicUsage counts = new AnthropicUsage();
        if (usage == null || !usage.isObject()) {
            return counts;
        }
        long prompt = Math.max(0, Json.count(usage.get("prompt_tokens")));
        long cached = Json.count(usage.path("prompt_tokens_details").get("cached_tokens"));
        counts.cacheReadKnown = cached >= 0;
        counts.cacheRead = Math.max(0, Math.min(prompt, cached));
        counts.input = prompt - counts.cacheRead;
        counts.output = Math.max(0, Json.count(usage.get("completion_tokens")));
        return counts;
    }

    ObjectNode toAnthropic() {
        ObjectNode usage = Json.object().put("input_tokens", input);
        if (cacheCreation > 0) {
            usage.put("cache_creation_input_tokens", cacheCreation);
        }
        if (cacheReadKnown) {
            usage.put("cache_read_input_tokens", cacheRead);
        }
        return usage.put("output_tokens", output);
    }

    /** OpenAI's usage: the prompt counts every input token, cached or not. */
    ObjectNode toOpenAi() {
        long prompt = input + cacheRead + cacheCreation;
        ObjectNode usage = Json.object()
                .put("prompt_tokens", prompt)
                .put("completion_tokens", output)
                .put("total_tokens", prompt + output);
        usage.putObject("prompt_tokens_details").put("cached_tokens", cacheRead);
        return usage;
    }

    private static long pick(JsonNode node, long otherwise) {
        long value = Json.count(node);
        return value >= 0 ? value : otherwise;
    }
}
