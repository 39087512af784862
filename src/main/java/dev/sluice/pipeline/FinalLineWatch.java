package dev.sluice.pipeline;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * Watches an untranslated event stream for the line that ends it: OpenAI's {@code data: [DONE]}, Anthropic's
 * {@code event: message_stop} (with or without the space after the colon), at the start of a line; or the line of an
 * error event, {@code event: error}, after which a backend (Anthropic's API, another proxy) sends nothing more: its
 * own error is the stream's end, and the proxy adds none of its own ({@link #endedOnError}). The stream arrives
 * in chunks cut wherever the network cut it, so the start of the line in progress is carried from one chunk to the
 * next: a final line split across two reads is still found, in the chunk that completes it.
 *
 * <p>A line counts once it ends ({@code \n} or {@code \r}): a longer line that begins the same is not final, and a
 * client's parser takes an event only at its end. It is reported once: a stream has one end, and nothing
 * after it is looked at. A final line the backend wrote without its line end just before ending its answer is
 * {@link #endedOnFinalLine}. Lines, not text: a model may write "[DONE]" in its answer. Confined to the event loop of
 * one exchange.
 */
final class FinalLineWatch {

    private static final byte[][] FINAL_LINES = {
        "data: [DONE]".getBytes(StandardCharsets.US_ASCII), "data:[DONE]".getBytes(StandardCharsets.US_ASCII),
        "event: message_stop".getBytes(StandardCharsets.US_ASCII),
        "event:message_stop".getBytes(StandardCharsets.US_ASCII),
        "event: error".getBytes(StandardCharsets.US_ASCII), "event:error".getBytes(StandardCharsets.US_ASCII)};
    /** The final lines from this index on are those of an error event. */
    private static final int FIRST_ERROR_LINE = 4;
    private static final int LONGEST = 19;

    /** The first bytes of the line in progress, while they may still begin a final line. */
    private final byte[] line = new byte[LONGEST];
    /** How many of them {@link #line} holds; {@code -1} once the line in progress cannot be a final line. */
    private int held;
    private boolean found;
    private boolean error;

    /**
     * Looks at the stream's next chunk.
     *
     * @return true when the final line ended in this chunk (once per stream)
     */
    boolean accept(Buffer chunk) {
        if (found) {
            return false;
        }
        int length = chunk.length();
        for (int i = 0; i < length; i++) {
            byte b = chunk.getByte(i);
            if (b == '\n' || b == '\r') {
                int line = finalLine();
                if (line >= 0) {
                    error = line >= FIRST_ERROR_LINE;
                    return found = true;
                }
                held = 0;
            } else if (held >= 0) {
                held = held < LONGEST && extendsAFinalLine(b) ? held + 1 : -1;
            }
        }
        return false;
    }

    /** True when the stream so far ends with a final line that is not ended yet: at the answer's end, it is whole. */
    boolean endedOnFinalLine() {
        int line = finalLine();
        // an error event's line alone, without its data, tells the client nothing
        return !found && line >= 0 && line < FIRST_ERROR_LINE;
    }

    /** True when the final line found was an error event's: the backend ended its answer with an error. */
    boolean endedOnError() {
        return found && error;
    }

    /** Appends {@code b} to the line held when the line still begins a final line with it. */
    private boolean extendsAFinalLine(byte b) {
        for (byte[] candidate : FINAL_LINES) {
            if (held < candidate.length && candidate[held] == b && startsWithHeld(candidate)) {
                line[held] = b;
                return true;
            }
        }
        return false;
    }

    private boolean startsWithHeld(byte[] candidate) {
        for (int i = 0; i < held; i++) {
            if (candidate[i] != line[i]) {
                return false;
            }
        }
        return true;
    }

    /** The index in {@link #FINAL_LINES} of the line held, when it is a whole final line; else -1. */
    private int finalLine() {
        if (held <= 0) {
            return -1;
        }
        for (int i = 0; i < FINAL_LINES.length; i++) {
            if (FINAL_LINES[i].length == held && startsWithHeld(FINAL_LINES[i])) {
                return i;
            }
        }
        return -1;
    }
}
