package dev.sluice.routing;

import java.util.Locale;

/** The HTTP API dialect a model (and an endpoint) speaks. */
public enum Protocol {
    OPENAI, ANTHROPIC;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Protocol parse(String value) {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
    }
}
