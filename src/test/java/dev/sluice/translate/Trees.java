package dev.sluice.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;

/** JSON literals for the rule tests: {@code '} stands for {@code "} so that bodies read inline. */
final class Trees {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Trees() {
    }

    static ObjectNode object(String json) {
        return (ObjectNode) parse(json.replace('\'', '"'));
    }

    static JsonNode parse(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode parse(Buffer buffer) {
        return parse(buffer.toString(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The backend body for a client body, with the default model settings. */
    static JsonNode translate(Translation translation, String clientJson) {
        return parse(translation.request(object(clientJson), "upstream-model", 1024, null).body());
    }

    static JsonNode toAnthropic(String chatJson) {
        return translate(Translation.OPENAI_TO_ANTHROPIC, chatJson);
    }

    static JsonNode toOpenAi(String messagesJson) {
        return translate(Translation.ANTHROPIC_TO_OPENAI, messagesJson);
    }
}
