package dev.sluice.accesslog;

import io.netty.util.concurrent.FastThreadLocal;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.Arrays;

/**
 * Formats access-log lines as the shipped console format writes a log line: {@code HH:mm:ss.SSS INFO  [sl.access] }
 * and then {@code name=value} pairs separated by spaces, as UTF-8 bytes. Each thread formats into a buffer of its own,
 * reused: numbers and durations are written as digits straight into it, and the only allocation per line is the
 * finished line's copy handed to the writer (a line used to cost its values' strings, the line's string and, on the
 * writer's thread, the string's encoding).
 *
 * <p>The buffer is a Netty {@link FastThreadLocal}: on an event loop (a Netty thread) it is an array slot, where a
 * {@link ThreadLocal} look-up probed a crowded map (about 3% of the event loops' samples in a profile of the proxy).
 */
public final class AccessLines {

    private static final byte[] LEVEL_AND_CATEGORY = " INFO  [sl.access] ".getBytes(StandardCharsets.US_ASCII);

    private final TimeOfDay clock;
    private final FastThreadLocal<Line> buffers = new FastThreadLocal<>() {
        @Override
        protected Line initialValue() {
            return new Line();
        }
    };

    public AccessLines() {
        this(ZoneId.systemDefault());
    }

    AccessLines(ZoneId zone) {
        this.clock = new TimeOfDay(zone);
    }

    /** This thread's line, emptied and stamped now: add the fields, then take {@link Line#bytes()}. */
    public Line start() {
        return start(System.currentTimeMillis());
    }

    Line start(long epochMillis) {
        Line line = buffers.get();
        line.length = 0;
        line.fields = 0;
        line.ensure(TimeOfDay.LENGTH + LEVEL_AND_CATEGORY.length);
        line.length = clock.write(line.bytes, 0, epochMillis);
        line.append(LEVEL_AND_CATEGORY);
        return line;
    }

    /** A line being formatted; belongs to one thread, valid until its next {@link #start()}. */
    public static final class Line implements AccessFields {

        private byte[] bytes = new byte[512];
        private int length;
        private int fields;

        private Line() {
        }

        @Override
        public Line text(String name, String value) {
            name(name);
            int valueLength = value.length();
            ensure(valueLength);
            int at = length;
            for (int i = 0; i < valueLength; i++) {
                char c = value.charAt(i);
                if (c >= 0x80 || AccessFields.special(c)) {
                    // not ASCII (the value as UTF-8, as the console's writer would encode it), or to be quoted
                    length = at;
                    append(AccessFields.shown(value).getBytes(StandardCharsets.UTF_8));
                    return this;
                }
                bytes[length++] = (byte) c;
            }
            return this;
        }

        @Override
        public Line number(String name, long value) {
            name(name);
            if (value < 0) {
                append(Long.toString(value).getBytes(StandardCharsets.US_ASCII));
            } else {
                digits(value, 1);
            }
            return this;
        }

        @Override
        public Line millis(String name, long micros) {
            name(name);
            long positive = Math.max(0, micros);
            digits(positive / 1000, 1);
            ensure(1);
            bytes[length++] = '.';
            digits(positive % 1000, 3);
            return this;
        }

        @Override
        public Line flag(String name, boolean value) {
            return text(name, value ? "true" : "false");
        }

        /** The finished line (without a line end), copied out of the buffer. */
        public byte[] bytes() {
            return Arrays.copyOf(bytes, length);
        }

        @Override
        public String toString() {
            return new String(bytes, 0, length, StandardCharsets.UTF_8);
        }

        private void name(String name) {
            // field names are ASCII constants
            ensure(name.length() + 2);
            if (fields++ > 0) {
                bytes[length++] = ' ';
            }
            for (int i = 0; i < name.length(); i++) {
                bytes[length++] = (byte) name.charAt(i);
            }
            bytes[length++] = '=';
        }

        /** A non-negative value in decimal, zero-padded to at least {@code minDigits}. */
        private void digits(long value, int minDigits) {
            int count = 1;
            for (long rest = value / 10; rest > 0; rest /= 10) {
                count++;
            }
            count = Math.max(count, minDigits);
            ensure(count);
            for (int i = length + count - 1; i >= length; i--) {
                bytes[i] = (byte) ('0' + value % 10);
                value /= 10;
            }
            length += count;
        }

        private void append(byte[] more) {
            ensure(more.length);
            System.arraycopy(more, 0, bytes, length, more.length);
            length += more.length;
        }

        private void ensure(int more) {
            if (length + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
            }
        }
    }
}
