package dev.sluice.pipeline;

import io.vertx.core.buffer.Buffer;

/**
 * Relays an untranslated event stream by whole events: the bytes of an event the backend has not ended yet (no blank
 * line after it) are held until the read that ends it, so that when the stream breaks, the client has whole events
 * only and the error event (contract §6.4) stands on its own.
 *
 * <p>Why: a stream cut inside an event ({@code event: content_block_delta\nd}) had the error event written straight
 * after the half event. The client's parser read {@code devent: error} as an unknown field and handed the error's
 * data to the backend's event type, or a truncated {@code data:} line to its JSON parser: an SDK reported a parse
 * error, or nothing, instead of {@code backend_stream_error}. A client acts on an event only at its blank line (and
 * drops one left without it when the stream ends), so holding an event's first bytes delays nothing it could use.
 *
 * <p>Most reads end where an event ends (backends write event by event) and go out as they came, without a copy. The
 * bytes that go out are the backend's, in order; only where the writes are cut changes. An event longer than
 * {@value #MAX_HELD} bytes (a stream that never ends its events) is let through as it comes, so that nothing is held
 * without bound. Lines end with LF, CRLF or CR, as the event-stream format allows. Confined to the event loop of one
 * exchange.
 */
final class WholeEvents {

    static final int MAX_HELD = 64 * 1024;

    /** The bytes after the last event's end, not written yet; null when none. */
    private Buffer held;
    /** True while the line in progress has no byte yet: a line end now is a blank line, the end of an event. */
    private boolean lineEmpty = true;
    /** The last byte was a CR: an LF right after it belongs to the same line end. */
    private boolean afterCr;

    /**
     * Takes the stream's next read.
     *
     * @return the bytes to write now (those held before, and this read's up to the end of its last whole event), or
     *         null when no event ended in it
     */
    Buffer whole(Buffer chunk) {
        int end = lastEventEnd(chunk);
        int length = chunk.length();
        if (end < 0) {
            int heldLength = held == null ? 0 : held.length();
            if (heldLength + length > MAX_HELD) {
                // an event without end in sight: let it through rather than hold the stream
                return rest(chunk);
            }
            hold(chunk, 0);
            return null;
        }
        Buffer out;
        if (held == null) {
            out = end == length ? chunk : chunk.slice(0, end);
        } else {
            out = held.appendBuffer(chunk, 0, end);
            held = null;
        }
        if (end < length) {
            hold(chunk, end);
        }
        return out;
    }

    /**
     * The answer is over as the backend sent it: everything held, then {@code chunk} (a read not looked at yet, or
     * null), goes out as it is.
     *
     * @return the bytes to write, or null when there are none
     */
    Buffer rest(Buffer chunk) {
        Buffer out = held;
        held = null;
        if (out == null) {
            return chunk;
        }
        return chunk == null ? out : out.appendBuffer(chunk);
    }

    /** The stream broke: what is held is part of an event the backend never ended, and no client would read it. */
    void drop() {
        held = null;
    }

    /** True while part of an event waits for its end. */
    boolean holding() {
        return held != null;
    }

    /** The bytes held, for tests. */
    int heldLength() {
        return held == null ? 0 : held.length();
    }

    private void hold(Buffer chunk, int from) {
        int length = chunk.length() - from;
        if (held == null) {
            // a copy: the held bytes are written later, from a buffer of their own
            held = Buffer.buffer(Math.max(256, length * 2)).appendBuffer(chunk, from, length);
        } else {
            held.appendBuffer(chunk, from, length);
        }
    }

    /** The index just after the last blank line in {@code chunk}, or -1; carries the line state to the next read. */
    private int lastEventEnd(Buffer chunk) {
        int end = -1;
        int length = chunk.length();
        for (int i = 0; i < length; i++) {
            byte b = chunk.getByte(i);
            if (b == '\n') {
                if (afterCr) {
                    afterCr = false;
                    if (end == i) {
                        end = i + 1; // the LF of the blank line's CRLF goes with it
                    }
                    continue;
                }
                end = lineEnded(i, end);
            } else if (b == '\r') {
                end = lineEnded(i, end);
                afterCr = true;
            } else {
                afterCr = false;
                lineEmpty = false;
            }
        }
        return end;
    }

    private int lineEnded(int at, int end) {
        boolean blank = lineEmpty;
        lineEmpty = true;
        return blank ? at + 1 : end;
    }
}
