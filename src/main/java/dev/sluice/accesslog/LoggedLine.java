package dev.sluice.accesslog;

import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * An access-log line for the logging system, used with any set-up but the shipped one (JSON lines, a file, syslog,
 * another console format). With JSON logs each field is also its own member of the MDC while the line is logged.
 */
public final class LoggedLine implements AccessFields {

    private final StringBuilder text = new StringBuilder(256);
    /** The fields put in the MDC, to take out after the line; null when the logs are not JSON. */
    private final List<String> mdcFields;

    public LoggedLine(boolean structured) {
        this.mdcFields = structured ? new ArrayList<>(16) : null;
    }

    @Override
    public LoggedLine text(String name, String value) {
        if (!text.isEmpty()) {
            text.append(' ');
        }
        text.append(name).append('=').append(AccessFields.shown(value));
        if (mdcFields != null) {
            MDC.put(name, value);
            mdcFields.add(name);
        }
        return this;
    }

    @Override
    public LoggedLine number(String name, long value) {
        return text(name, Long.toString(value));
    }

    @Override
    public LoggedLine millis(String name, long micros) {
        long positive = Math.max(0, micros);
        long fraction = positive % 1000;
        return text(name, positive / 1000 + (fraction < 10 ? ".00" : fraction < 100 ? ".0" : ".") + fraction);
    }

    @Override
    public LoggedLine flag(String name, boolean value) {
        return text(name, Boolean.toString(value));
    }

    /** Logs the line at INFO, then takes the fields out of the MDC again. */
    public void logTo(Logger logger) {
        try {
            logger.info(text);
        } finally {
            if (mdcFields != null) {
                mdcFields.forEach(MDC::remove);
            }
        }
    }

    @Override
    public String toString() {
        return text.toString();
    }
}
