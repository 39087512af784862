package dev.sluice.translate;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The output budget sent to the backend: what the client asked for, the model's {@code default-max-tokens} when it
 * asked for nothing and the backend needs a number, lowered to the model's {@code max-output-tokens} (contract §7).
 *
 * @param defaultMaxTokens the model's {@code default-max-tokens}
 * @param maxOutputTokens the model's {@code max-output-tokens}, or null when it has none
 */
record MaxTokens(int defaultMaxTokens, Integer maxOutputTokens) {

    /** The first of {@code asked} that is a whole number, else the default; then capped. */
    long resolve(JsonNode... asked) {
        long tokens = defaultMaxTokens;
        for (JsonNode candidate : asked) {
            if (Json.count(candidate) >= 0) {
                tokens = candidate.asLong();
                break;
            }
        }
        return cap(tokens);
    }

    /** The client's number capped, or -1 when it asked for none (an OpenAI backend needs none). */
    long capIfAsked(JsonNode asked) {
        return Json.count(asked) >= 0 ? cap(asked.asLong()) : -1;
    }

    private long cap(long tokens) {
        return maxOutputTokens != null && tokens > maxOutputTokens ? maxOutputTokens : tokens;
    }
}
