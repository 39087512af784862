package dev.sluice.upstream;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * The first event of an Anthropic stream, when it is an {@code error}: Anthropic's API may answer 200 and then say
 * {@code overloaded_error} as the stream's first event. Nothing has reached the client then, so it counts as a 529
 * and is retried like one (contract §9, §6.4). Only a stream whose first bytes are an {@code event: error} line is
 * held, until its event is whole (at most {@link #MAX} bytes); every other stream goes on at its first chunk.
 */
final class StreamOpening {

    /** An error event longer than this is not held further: it goes to the client as it is. */
    static final int MAX = 8192;
    private static final byte[][] ERROR_LINES = {
        "event: error".getBytes(StandardCharsets.US_ASCII), "event:error".getBytes(StandardCharsets.US_ASCII)};

    private StreamOpening() {
    }

    /** True when {@code bytes} start with an {@code event: error} line (or with what may still become one). */
    static boolean mayOpenWithError(Buffer bytes) {
        for (byte[] line : ERROR_LINES) {
            int common = Math.min(line.length, bytes.length());
            boolean matches = true;
            for (int i = 0; i < common && matches; i++) {
                matches = bytes.getByte(i) == line[i];
            }
            if (matches && (bytes.length() <= line.length || bytes.getByte(line.length) == '\n'
                    || bytes.getByte(line.length) == '\r')) {
                return true;
            }
        }
        return false;
    }

    /** True when the first event of {@code bytes} is complete (its blank line has come). */
    static boolean firstEventComplete(Buffer bytes) {
        for (int i = 1; i < bytes.length(); i++) {
            if (bytes.getByte(i) == '\n' && (bytes.getByte(i - 1) == '\n'
                    || bytes.getByte(i - 1) == '\r' && i >= 2 && bytes.getByte(i - 2) == '\n')) {
                return true;
            }
        }
        return false;
    }

    /** The {@code data:} of the first event, the Anthropic error object, or an empty buffer when it has none. */
    static Buffer firstEventData(Buffer bytes) {
        String text = bytes.toString(StandardCharsets.UTF_8);
        for (String line : text.split("\r?\n", -1)) {
            if (line.isEmpty()) {
                break;
            }
            if (line.startsWith("data:")) {
                return Buffer.buffer(line.substring(5).trim());
            }
        }
        return Buffer.buffer();
    }
}
