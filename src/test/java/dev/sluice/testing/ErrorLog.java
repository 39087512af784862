package dev.sluice.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Collects the ERROR lines (or, with {@link #warnings()} and {@link #infos()}, the WARN or INFO lines and above) every
 * logger writes while it is open (the proxy runs in the test's JVM).
 */
public final class ErrorLog implements AutoCloseable {

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Level lowest;
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= lowest.intValue()) {
                Throwable thrown = record.getThrown();
                lines.add(record.getLoggerName() + ": " + record.getMessage()
                        + (thrown == null ? "" : " " + thrown));
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private ErrorLog(Level lowest) {
        this.lowest = lowest;
        Logger.getLogger("").addHandler(handler);
    }

    public static ErrorLog open() {
        return new ErrorLog(Level.SEVERE);
    }

    /** WARN lines too. */
    public static ErrorLog warnings() {
        return new ErrorLog(Level.WARNING);
    }

    /** INFO lines too. */
    public static ErrorLog infos() {
        return new ErrorLog(Level.INFO);
    }

    public List<String> lines() {
        return List.copyOf(lines);
    }

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(handler);
    }
}
