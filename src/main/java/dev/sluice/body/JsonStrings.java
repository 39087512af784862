package dev.sluice.body;

/**
 * JSON string quoting for the few values Sluice writes into bodies it otherwise relays untouched, and the search for a
 * string's end in a body's bytes.
 */
public final class JsonStrings {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private JsonStrings() {
    }

    /** The value as a JSON string literal, quotes included. */
    public static String quote(String value) {
        StringBuilder out = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /**
     * The closing quote of the JSON string whose content starts at {@code from} (just after its opening quote), looked
     * for in {@code bytes[from, limit)} and stepping over escapes; -1 when it is not there.
     */
    static int closingQuote(byte[] bytes, int from, int limit) {
        int i = from;
        while (i < limit) {
            byte b = bytes[i];
            if (b == '"') {
                return i;
            }
            i += b == '\\' ? 2 : 1;
        }
        return -1;
    }
}
