package dev.sluice.pipeline;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * Watches an untranslated event stream for the reason its answer stopped: an OpenAI choice's non-null
 * {@code finish_reason}, an Anthropic {@code message_delta}'s {@code stop_reason}. With the stream's final line
 * ({@code [DONE]}, {@code message_stop}) it tells a whole answer from one the backend ended cleanly half way (a backend
 * that died and closed its chunked body properly, a gateway in between that ended it): the translators judge a
 * translated stream by the same two signs. Only the bytes after one of the two keys are looked at, and nothing once
 * the reason was seen.
 *
 * <p>Confined to the event loop of one exchange.
 */
final class StopReasonWatch {

    private static final byte[][] KEYS = {
        "\"finish_reason\"".getBytes(StandardCharsets.US_ASCII), "\"stop_reason\"".getBytes(StandardCharsets.US_ASCII)};
    /** Enough of the previous chunk to hold a key and what follows it up to its value's first byte. */
    private static final int TAIL = 40;

    private byte[] tail = new byte[0];
    private boolean seen;

    /** True once a stop reason went by. */
    boolean seen() {
        return seen;
    }

    void accept(Buffer chunk) {
        if (seen) {
            return;
        }
        int length = tail.length + chunk.length();
        for (int at = 0; at < length && !seen; at++) {
            if (byteAt(chunk, at) != '"') {
                continue;
            }
            for (byte[] key : KEYS) {
                if (matches(chunk, at, length, key) && valueIsAString(chunk, at + key.length, length)) {
                    seen = true;
                    break;
                }
            }
        }
        int keep = Math.min(TAIL, length);
        byte[] next = new byte[keep];
        for (int i = 0; i < keep; i++) {
            next[i] = byteAt(chunk, length - keep + i);
        }
        tail = next;
    }

    private byte byteAt(Buffer chunk, int at) {
        return at < tail.length ? tail[at] : chunk.getByte(at - tail.length);
    }

    private boolean matches(Buffer chunk, int at, int length, byte[] key) {
        if (at + key.length > length) {
            return false;
        }
        for (int i = 0; i < key.length; i++) {
            if (byteAt(chunk, at + i) != key[i]) {
                return false;
            }
        }
        return true;
    }

    /** After a key: optional spaces, a colon, optional spaces, then a string's quote (not {@code null}). */
    private boolean valueIsAString(Buffer chunk, int at, int length) {
        int i = skipSpaces(chunk, at, length);
        if (i >= length || byteAt(chunk, i) != ':') {
            return false;
        }
        i = skipSpaces(chunk, i + 1, length);
        return i < length && byteAt(chunk, i) == '"';
    }

    private int skipSpaces(Buffer chunk, int at, int length) {
        int i = at;
        while (i < length && (byteAt(chunk, i) == ' ' || byteAt(chunk, i) == '\t')) {
            i++;
        }
        return i;
    }
}
