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
}
