package dev.sluice.translate;

import java.nio.charset.StandardCharsets;

/**
 * Reads server-sent events from bytes as they arrive, split anywhere (the WHATWG event stream rules): lines end in
 * CRLF, LF or CR; {@code data:} lines of one event join with LF; a blank line dispatches the event; comments
 * ({@code :}), {@code id:}, {@code retry:} and unknown fields are skipped. A last event the stream did not close with
 * a blank line is still dispatched at its end, as OpenAI-compatible servers sometimes end with {@code data: [DONE]}.
 *
 * <p>Not thread-safe: one per stream.
 */
final class SseReader {

    /** Told each event. {@code data[0, length)} is valid only during the call. */
    interface Listener {
        void event(String type, byte[] data, int length);
    }

    /** A line or an event larger than this is not an answer any backend sends: the stream is refused. */
    static final int MAX_EVENT_BYTES = 16 * 1024 * 1024;

    private static final byte[] DATA = "data".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EVENT = "event".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LINE_FEED = {'\n'};

    private final Listener listener;
    private byte[] line = new byte[1024];
    private int lineLength;
    private byte[] data = new byte[1024];
    private int dataLength;
    private boolean hasData;
    private String type;
    /** The last line ended in CR: an LF that follows (maybe in the next chunk) belongs to it. */
    private boolean afterCarriageReturn;
    private boolean firstLine = true;

    SseReader(Listener listener) {
        this.listener = listener;
    }

    void feed(byte[] bytes, int offset, int length) {
        int end = offset + length;
        int i = offset;
        while (i < end) {
            if (afterCarriageReturn) {
                afterCarriageReturn = false;
                if (bytes[i] == '\n') {
                    i++;
                    continue;
                }
            }
            int lineEnd = i;
            while (lineEnd < end && bytes[lineEnd] != '\n' && bytes[lineEnd] != '\r') {
                lineEnd++;
            }
            line = append(line, lineLength, bytes, i, lineEnd - i);
            lineLength += lineEnd - i;
            if (lineEnd == end) {
                return; // the line goes on in the next chunk
            }
            afterCarriageReturn = bytes[lineEnd] == '\r';
            endLine();
            i = lineEnd + 1;
        }
    }

    /** The stream ended: a last unterminated line and event still count. */
    void end() {
        if (lineLength > 0) {
            endLine();
        }
        dispatch();
    }

    private void endLine() {
        int start = 0;
        int length = lineLength;
        lineLength = 0;
        if (firstLine) {
            firstLine = false;
            if (length >= 3 && line[0] == (byte) 0xEF && line[1] == (byte) 0xBB && line[2] == (byte) 0xBF) {
                start = 3; // a byte order mark
            }
        }
        if (start == length) {
            dispatch();
            return;
        }
        if (line[start] == ':') {
            return; // a comment, sent as a keep-alive
        }
        int colon = start;
        while (colon < length && line[colon] != ':') {
            colon++;
        }
        int valueStart = colon < length ? colon + 1 : length;
        if (valueStart < length && line[valueStart] == ' ') {
            valueStart++;
        }
        if (named(DATA, start, colon)) {
            data = append(data, dataLength, line, valueStart, length - valueStart);
            dataLength += length - valueStart;
            data = append(data, dataLength, LINE_FEED, 0, 1);
            dataLength++;
            hasData = true;
        } else if (named(EVENT, start, colon)) {
            type = new String(line, valueStart, length - valueStart, StandardCharsets.UTF_8);
        }
    }

    private void dispatch() {
        if (!hasData) {
            type = null;
            return;
        }
        String eventType = type != null ? type : "message";
        int length = dataLength - 1; // the LF after the last data line is not data
        type = null;
        hasData = false;
        dataLength = 0;
        listener.event(eventType, data, length);
    }

    private boolean named(byte[] name, int from, int to) {
        if (to - from != name.length) {
            return false;
        }
        for (int i = 0; i < name.length; i++) {
            if (line[from + i] != name[i]) {
                return false;
            }
        }
        return true;
    }

    /** {@code target} with {@code source[from, from + count)} copied at {@code used}, grown when needed. */
    private static byte[] append(byte[] target, int used, byte[] source, int from, int count) {
        if (count == 0) {
            return target;
        }
        if (used + count > MAX_EVENT_BYTES) {
            throw new UnreadableStream("an event over " + MAX_EVENT_BYTES + " bytes");
        }
        byte[] grown = target;
        if (used + count > target.length) {
            grown = java.util.Arrays.copyOf(target, Math.min(MAX_EVENT_BYTES, Math.max(used + count, target.length * 2)));
        }
        System.arraycopy(source, from, grown, used, count);
        return grown;
    }
}
