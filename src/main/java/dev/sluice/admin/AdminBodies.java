package dev.sluice.admin;

import dev.sluice.error.ErrorCode;
import dev.sluice.error.ProxyError;
import dev.sluice.wire.MediaTypes;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reading the admin API's request bodies: JSON objects whose fields are checked one by one, each failure a 422
 * {@code schema_validation_failed} naming its field in {@code param} (contract §10.1). Unknown fields are refused
 * too, so that a misspelt limit is not silently left out.
 */
final class AdminBodies {

    private AdminBodies() {
    }

    /** The body's bytes as UTF-8, strictly: bytes that are not UTF-8 are 400 {@code invalid_json} (contract §12). */
    private static String utf8(byte[] body) {
        if (body == null) {
            return null;
        }
        try {
            return java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(body)).toString();
        } catch (java.nio.charset.CharacterCodingException notUtf8) {
            throw ProxyError.of(ErrorCode.INVALID_JSON, "The body is not valid UTF-8.");
        }
    }

    /** The body as a JSON object: 415 for another media type, 400 {@code invalid_json}, 422 for another JSON value. */
    static JsonObject object(String contentType, byte[] bytes, Set<String> fields) {
        if (!MediaTypes.readAsJson(contentType)) {
            throw ProxyError.of(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                    "Content type '" + contentType + "' is not supported; send application/json.");
        }
        String body = utf8(bytes);
        if (body == null || body.isBlank()) {
            throw ProxyError.of(ErrorCode.INVALID_JSON, "The body is empty; send a JSON object.");
        }
        Object parsed;
        try {
            parsed = io.vertx.core.json.Json.decodeValue(body);
        } catch (DecodeException e) {
            throw ProxyError.of(ErrorCode.INVALID_JSON, "The body is not valid JSON.");
        }
        if (!(parsed instanceof JsonObject object)) {
            throw invalid(null, "The body must be a JSON object.");
        }
        for (String field : object.fieldNames()) {
            if (!fields.contains(field)) {
                throw invalid(field, "Unknown field '" + field + "'; expected one of " + fields + ".");
            }
        }
        return object;
    }

    static ProxyError invalid(String param, String message) {
        return ProxyError.of(ErrorCode.SCHEMA_VALIDATION_FAILED, message, param);
    }

    static String string(JsonObject body, String field, boolean required) {
        Object value = body.getValue(field);
        if (value == null) {
            if (required) {
                throw invalid(field, "'" + field + "' is required.");
            }
            return null;
        }
        if (!(value instanceof String text) || text.isBlank()) {
            throw invalid(field, "'" + field + "' must be a non-empty string.");
        }
        return text;
    }

    /** A list of non-empty strings, or null when absent. */
    static List<String> strings(JsonObject body, String field) {
        Object value = body.getValue(field);
        if (value == null) {
            return null;
        }
        if (!(value instanceof JsonArray array)) {
            throw invalid(field, "'" + field + "' must be an array of strings.");
        }
        List<String> strings = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            if (!(array.getValue(i) instanceof String text) || text.isBlank()) {
                throw invalid(field + "[" + i + "]", "'" + field + "[" + i + "]' must be a non-empty string.");
            }
            if (!strings.contains(text)) {
                strings.add(text);
            }
        }
        return List.copyOf(strings);
    }

    /** A whole number, or null when absent. */
    static Long integer(JsonObject body, String field) {
        Object value = body.getValue(field);
        if (value == null) {
            return null;
        }
        if (value instanceof Integer || value instanceof Long) {
            return ((Number) value).longValue();
        }
        if (value instanceof java.math.BigInteger) {
            // a whole number past a long's range: the field's own bounds are far below it
            throw invalid(field, "'" + field + "' is out of range.");
        }
        throw invalid(field, "'" + field + "' must be an integer.");
    }

    /** A finite number, or null when absent. */
    static Double number(JsonObject body, String field) {
        Object value = body.getValue(field);
        if (value == null) {
            return null;
        }
        if (value instanceof Number number && Double.isFinite(number.doubleValue())) {
            return number.doubleValue();
        }
        throw invalid(field, "'" + field + "' must be a number.");
    }
}
