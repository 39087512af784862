package dev.sluice.translate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The JSON plumbing every translator shares: one mapper, node factories and lenient readers of optional fields. */
final class Json {

    /**
     * Numbers with a fraction or an exponent are read as written ({@code BigDecimal}, not {@code double}): a tool's
     * arguments of {@code 12345678901234567.89} reach the other protocol so, not as {@code 1.2345678901234568E16}.
     */
    static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));
    /** Rejects {@code {"a":1} trailing}: a value followed by anything but whitespace is not that value. */
    static final ObjectReader STRICT = MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private static final JsonNodeFactory NODES = MAPPER.getNodeFactory();

    private Json() {
    }

    static ObjectNode object() {
        return NODES.objectNode();
    }

    static ArrayNode array() {
        return NODES.arrayNode();
    }

    /** The string value, or null when the node is absent, null or not a string. */
    static String text(JsonNode node) {
        return node != null && node.isTextual() ? node.textValue() : null;
    }

    /** True when the node is present and not JSON null. */
    static boolean present(JsonNode node) {
        return node != null && !node.isNull() && !node.isMissingNode();
    }

    /** A whole number, or -1 when the node is absent or not one. */
    static long count(JsonNode node) {
        return node != null && node.canConvertToExactIntegral() ? node.asLong() : -1;
    }

    /** Parses a complete JSON document; trailing content is an error. */
    static JsonNode read(byte[] data, int offset, int length) throws IOException {
        return STRICT.readTree(data, offset, length);
    }

    static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException impossible) {
            throw new UncheckedIOException(impossible); // a tree of plain nodes always serialises
        }
    }

    static String string(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException impossible) {
            throw new UncheckedIOException(impossible);
        }
    }
}
