package dev.sluice.accesslog;

/**
 * Where an access-log line's {@code name=value} pairs go, in order: the reused byte line of the shipped set-up
 * ({@link AccessLines.Line}) or a line for the logging system ({@link LoggedLine}). One list of fields feeds both.
 */
public interface AccessFields {

    AccessFields text(String name, String value);

    AccessFields number(String name, long value);

    /** Microseconds written as milliseconds with three decimals ({@code 12.034}). */
    AccessFields millis(String name, long micros);

    AccessFields flag(String name, boolean value);

    /** True for a character a value cannot hold bare: it would end the value or start another pair. */
    static boolean special(char c) {
        return c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7F;
    }

    /**
     * {@code value} as a line shows it: as it is, or in double quotes with {@code "} and {@code \} escaped and control
     * characters as {@code \n}, {@code \r}, {@code \t} or {@code \}{@code uXXXX} when it holds a {@link #special}
     * character. Some values come from the client ({@code x-request-id: x status=200 account=admin} is a valid request
     * id): bare, they would forge pairs for whatever reads the line.
     */
    static String shown(String value) {
        boolean plain = true;
        for (int i = 0; i < value.length() && plain; i++) {
            plain = !special(value.charAt(i));
        }
        if (plain) {
            return value;
        }
        StringBuilder quoted = new StringBuilder(value.length() + 8).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\r' -> quoted.append("\\r");
                case '\t' -> quoted.append("\\t");
                default -> {
                    if (c < ' ' || c == 0x7F) {
                        quoted.append(String.format("\\u%04x", (int) c));
                    } else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }
}
