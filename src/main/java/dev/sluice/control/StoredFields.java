package dev.sluice.control;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The fields of one entry the store keeps, read so that a wrong one is named: an entry written by hand, or by a version
 * of Sluice that stores it otherwise, is logged as "field concurrency is not a whole number: "lots"" rather than with
 * a cast's message. An absent field and a {@code null} one are the same: absent.
 */
final class StoredFields {

    private final JsonObject json;

    StoredFields(JsonObject json) {
        this.json = json;
    }

    Optional<String> string(String field) {
        Object value = json.getValue(field);
        if (value == null) {
            return Optional.empty();
        }
        if (value instanceof String text) {
            return Optional.of(text);
        }
        throw wrong(field, "a string");
    }

    String requiredString(String field) {
        return string(field).orElseThrow(() -> new IllegalArgumentException("field " + field + " is missing"));
    }

    OptionalLong whole(String field) {
        Object value = json.getValue(field);
        if (value == null) {
            return OptionalLong.empty();
        }
        // Jackson reads an integral JSON number as Integer, Long or BigInteger, any other as Double
        if (value instanceof Integer || value instanceof Long) {
            return OptionalLong.of(((Number) value).longValue());
        }
        throw wrong(field, "a whole number");
    }

    OptionalInt wholeInt(String field) {
        OptionalLong value = whole(field);
        if (value.isEmpty()) {
            return OptionalInt.empty();
        }
        if (value.getAsLong() != (int) value.getAsLong()) {
            throw wrong(field, "a whole number below 2^31");
        }
        return OptionalInt.of((int) value.getAsLong());
    }

    OptionalDouble number(String field) {
        Object value = json.getValue(field);
        if (value == null) {
            return OptionalDouble.empty();
        }
        if (value instanceof Number number && Double.isFinite(number.doubleValue())) {
            return OptionalDouble.of(number.doubleValue());
        }
        throw wrong(field, "a number");
    }

    /** The strings of an array field, or null when it is absent. */
    List<String> strings(String field) {
        Object value = json.getValue(field);
        if (value == null) {
            return null;
        }
        if (value instanceof JsonArray array) {
            List<String> strings = new ArrayList<>(array.size());
            for (Object element : array) {
                if (!(element instanceof String text)) {
                    throw wrong(field, "an array of strings");
                }
                strings.add(text);
            }
            return List.copyOf(strings);
        }
        throw wrong(field, "an array of strings");
    }

    IllegalArgumentException wrong(String field, String expected) {
        Object value = json.getValue(field);
        String shown = value instanceof String text ? '"' + text + '"' : String.valueOf(value);
        if (shown.length() > 60) {
            shown = shown.substring(0, 57) + "...";
        }
        return new IllegalArgumentException("field " + field + " is not " + expected + ": " + shown);
    }
}
