package dev.sluice.translate;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;

/** Reading a backend's complete JSON answer. */
final class Answers {

    private Answers() {
    }

    /** The answer as a JSON object, or {@link InvalidProviderResponse}. */
    static JsonNode read(byte[] body) {
        JsonNode answer;
        try {
            answer = Json.read(body, 0, body.length);
        } catch (IOException | RuntimeException notJson) {
            throw new InvalidProviderResponse("The backend's answer is not valid JSON.");
        }
        if (answer == null || !answer.isObject()) {
            throw new InvalidProviderResponse("The backend's answer is not a JSON object.");
        }
        return answer;
    }
}
