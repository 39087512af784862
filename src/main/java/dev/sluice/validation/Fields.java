package dev.sluice.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.error.ErrorCode;
import dev.sluice.error.ProxyError;
import java.util.Map;

/**
 * Type checks of single fields, each answering {@code schema_validation_failed} (422) with the field's path as
 * {@code param}. An optional field that is absent or JSON {@code null} passes every check here: the official SDKs send
 * {@code null} for a parameter set to {@code None}, and the APIs read it as "not given".
 *
 * <p>Paths are built only when a check fails: callers pass the path of the enclosing object ({@code null} at the top
 * level) and the field name.
 */
final class Fields {

    /** {@code messages[i]} for the first messages, made once: the checks build it for every message they look at. */
    private static final String[] MESSAGE_PATHS = new String[256];

    static {
        for (int i = 0; i < MESSAGE_PATHS.length; i++) {
            MESSAGE_PATHS[i] = "messages[" + i + "]";
        }
    }

    private Fields() {
    }

    static boolean present(JsonNode value) {
        return value != null && !value.isNull();
    }

    /** A JSON Schema integer: an integral number, {@code 2.0} included. */
    static boolean isInteger(JsonNode value) {
        return value.isIntegralNumber() || value.isFloatingPointNumber() && value.canConvertToExactIntegral();
    }

    static String path(String parent, String field) {
        return parent == null ? field : parent + "." + field;
    }

    static String path(String parent, String field, int index) {
        return path(parent, field) + "[" + index + "]";
    }

    /** The path of the {@code index}th message: {@code messages[index]}. */
    static String messageAt(int index) {
        return index < MESSAGE_PATHS.length ? MESSAGE_PATHS[index] : "messages[" + index + "]";
    }

    /** A client value quoted for an error message, cut short when long. */
    static String quote(String value) {
        return value.length() <= 64 ? "'" + value + "'" : "'" + value.substring(0, 64) + "…'";
    }

    static ProxyError schema(String param, String message) {
        return ProxyError.of(ErrorCode.SCHEMA_VALIDATION_FAILED, message, param);
    }

    static ProxyError mustBe(String param, String what) {
        return schema(param, param + " must be " + what + ".");
    }

    static ProxyError required(String param) {
        return schema(param, param + " is required.");
    }

    static void string(ObjectNode object, String field, String parent) {
        JsonNode value = object.get(field);
        if (present(value) && !value.isTextual()) {
            throw mustBe(path(parent, field), "a string");
        }
    }

    static void number(ObjectNode object, String field, String parent) {
        JsonNode value = object.get(field);
        if (present(value) && !value.isNumber()) {
            throw mustBe(path(parent, field), "a number");
        }
    }

    static void integer(ObjectNode object, String field, String parent) {
        JsonNode value = object.get(field);
        if (present(value) && !(value.isNumber() && isInteger(value))) {
            throw mustBe(path(parent, field), "an integer");
        }
    }

    static void bool(ObjectNode object, String field, String parent) {
        JsonNode value = object.get(field);
        if (present(value) && !value.isBoolean()) {
            throw mustBe(path(parent, field), "a boolean");
        }
    }

    /** The field when it is an object, null when absent; anything else fails. */
    static ObjectNode object(ObjectNode object, String field, String parent) {
        JsonNode value = object.get(field);
        if (!present(value)) {
            return null;
        }
        if (!value.isObject()) {
            throw mustBe(path(parent, field), "an object");
        }
        return (ObjectNode) value;
    }

    /** The field when it is an array, null when absent; anything else fails. */
    static ArrayNode array(ObjectNode object, String field, String parent) {
        JsonNode value = object.get(field);
        if (!present(value)) {
            return null;
        }
        if (!value.isArray()) {
            throw mustBe(path(parent, field), "an array");
        }
        return (ArrayNode) value;
    }

    /** A required string: its text. */
    static String requiredString(ObjectNode object, String field, String parent) {
        return requireString(object, field, parent).textValue();
    }

    /**
     * A required string, its text left unread: a message's text or arguments, an image's data URL, whose type is
     * checked without decoding them (a long one is still the body's bytes, {@link dev.sluice.body.LazyTextNode}).
     */
    static JsonNode requireString(ObjectNode object, String field, String parent) {
        JsonNode value = object.get(field);
        if (!present(value)) {
            throw required(path(parent, field));
        }
        if (!value.isTextual()) {
            throw mustBe(path(parent, field), "a string");
        }
        return value;
    }

    /** A required object. */
    static ObjectNode requiredObject(ObjectNode object, String field, String parent) {
        ObjectNode value = object(object, field, parent);
        if (value == null) {
            throw required(path(parent, field));
        }
        return value;
    }

    /** Each element of {@code array} must be an object; {@code arrayPath} names the array. */
    static ObjectNode element(ArrayNode array, int index, String arrayPath) {
        JsonNode value = array.get(index);
        if (!value.isObject()) {
            throw mustBe(arrayPath + "[" + index + "]", "an object");
        }
        return (ObjectNode) value;
    }

    /** An array whose elements are all strings. */
    static void stringArray(ObjectNode object, String field, String parent) {
        ArrayNode array = array(object, field, parent);
        if (array != null) {
            for (int i = 0; i < array.size(); i++) {
                if (!array.get(i).isTextual()) {
                    throw mustBe(path(parent, field, i), "a string");
                }
            }
        }
    }

    /** A string or an array of strings ({@code stop}). */
    static void stringOrStrings(ObjectNode object, String field, String parent) {
        JsonNode value = object.get(field);
        if (!present(value) || value.isTextual()) {
            return;
        }
        if (!value.isArray()) {
            throw mustBe(path(parent, field), "a string or an array of strings");
        }
        stringArray(object, field, parent);
    }

    /** An object whose values are all strings ({@code metadata}). */
    static void stringMap(ObjectNode object, String field, String parent) {
        ObjectNode map = object(object, field, parent);
        if (map != null) {
            for (Map.Entry<String, JsonNode> entry : map.properties()) {
                if (!entry.getValue().isTextual()) {
                    throw mustBe(path(path(parent, field), entry.getKey()), "a string");
                }
            }
        }
    }

    /** An object whose values are all numbers ({@code logit_bias}). */
    static void numberMap(ObjectNode object, String field, String parent) {
        ObjectNode map = object(object, field, parent);
        if (map != null) {
            for (Map.Entry<String, JsonNode> entry : map.properties()) {
                if (!entry.getValue().isNumber()) {
                    throw mustBe(path(path(parent, field), entry.getKey()), "a number");
                }
            }
        }
    }

    /**
     * Text or tokens: a string, or an array of strings, of integers (token ids) or of arrays of integers
     * ({@code prompt}, {@code input}).
     */
    static void textOrTokens(JsonNode value, String param) {
        if (value.isTextual()) {
            return;
        }
        if (!value.isArray()) {
            throw mustBe(param, "a string or an array of strings or token ids");
        }
        for (int i = 0; i < value.size(); i++) {
            JsonNode element = value.get(i);
            if (element.isTextual() || element.isNumber() && isInteger(element)) {
                continue;
            }
            if (!element.isArray()) {
                throw mustBe(param + "[" + i + "]", "a string, a token id or an array of token ids");
            }
            for (int k = 0; k < element.size(); k++) {
                JsonNode token = element.get(k);
                if (!(token.isNumber() && isInteger(token))) {
                    throw mustBe(param + "[" + i + "][" + k + "]", "a token id (an integer)");
                }
            }
        }
    }
}
