package dev.sluice.pipeline;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * Watches an untranslated event stream for the line that ends it: OpenAI's {@code data: [DONE]}, Anthropic's
 * {@code event: message_stop} (with or without the space after the colon), at the start of a line. The stream arrives
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
        "event:message_stop".getBytes(StandardCharsets.US_ASCII)};
    private static final int LONGEST = 19;

    /** The first bytes of the line in progress, while they may still begin a final line. */
    private final byte[] line = new byte[LONGEST];
    /** How many of them {@link #line} holds; {@code -1} once the line in progress cannot be a final line. */
    private int held;
    private boolean found;

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
                if (isFinal()) {
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
        return !found && isFinal();
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

    private boolean isFinal() {
        if (held <= 0) {
            return false;
        }
        for (byte[] candidate : FINAL_LINES) {
            if (candidate.length == held && startsWithHeld(candidate)) {
                return true;
            }
        }
        return false;
    }
}
