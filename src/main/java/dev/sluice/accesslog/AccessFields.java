package dev.sluice.accesslog;

import dev.sluice.body.JsonStrings;

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
     * {@code value} as a line shows it: as it is, or as a JSON string (in double quotes, {@code "} and {@code \}
     * escaped, control characters as {@code \n} or {@code \}{@code u00XX}) when it holds a {@link #special}
     * character. Some values come from the client ({@code x-request-id: x status=200 account=admin} is a valid request
     * id): bare, they would forge pairs for whatever reads the line.
     */
    static String shown(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (special(value.charAt(i))) {
                return JsonStrings.quote(value);
            }
        }
        return value;
    }
}
