package dev.sluice.limits;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Watches a response on its way to the client for the {@code usage} objects that carry its real token counts: the
 * body of a JSON answer, the final usage chunk of an OpenAI stream, {@code message_start} and {@code message_delta}
 * of an Anthropic stream. Only the bytes around a {@code "usage"} key are parsed; the chunks are not copied or
 * changed. Installed only for accounts whose tokens or credits are settled.
 *
 * <p>The usage of an Anthropic {@code message_start} is not the final one (its output tokens are the first few): it
 * gives the prompt's tokens, and the answer's usage is found only once a later object (the {@code message_delta})
 * carries the output's. A stream cut between the two settles to the estimate (contract §4.2).
 *
 * <p>Confined to the event loop of one exchange.
 */
public final class UsageTap implements Consumer<Buffer> {

    private static final JsonFactory JSON = new JsonFactory();
    private static final byte[] KEY = "\"usage\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MESSAGE_START = "\"message_start\"".getBytes(StandardCharsets.US_ASCII);
    /** A usage object larger than this is not one. */
    private static final int MAX_PENDING = 8192;

    private byte[] pending = new byte[0];
    private long inputTokens = -1;
    private long outputTokens = -1;
    /** True once a usage object other than a {@code message_start}'s was read. */
    private boolean finalUsage;
    /** How far into the current chunk (with the pending bytes before it) {@link #follow} has read. */
    private int followed;
    private int messageStartMatched;
    private boolean lineOpensMessage;

    @Override
    public void accept(Buffer chunk) {
        byte[] data = concat(pending, chunk.getBytes());
        // the pending bytes were followed by the call that kept them
        followed = pending.length;
        int from = 0;
        int keep = Math.max(0, data.length - (KEY.length - 1));
        while (true) {
            int at = indexOf(data, KEY, from);
            if (at < 0) {
                break;
            }
            follow(data, at);
            boolean opening = lineOpensMessage;
            int end = objectEnd(data, at + KEY.length);
            if (end < 0) {
                keep = data.length - at <= MAX_PENDING ? at : data.length;
                break;
            }
            read(data, at + KEY.length, end, opening);
            from = end;
            keep = Math.max(keep, end);
        }
        follow(data, data.length);
        pending = keep < data.length ? java.util.Arrays.copyOfRange(data, keep, data.length) : new byte[0];
    }

    /**
     * True once the answer's usage was seen: an object with the prompt's tokens, and the final one (not only a
     * {@code message_start}'s). Answers without completion tokens (embeddings:
     * {@code {"prompt_tokens": 8, "total_tokens": 8}}) count 0 of them.
     */
    public boolean found() {
        return inputTokens >= 0 && finalUsage;
    }

    public long inputTokens() {
        return inputTokens;
    }

    public long outputTokens() {
        return Math.max(0, outputTokens);
    }

    /**
     * Parses the object after {@code "usage"}: prompt/input and completion/output tokens (the largest seen). Anthropic
     * counts cached prompt tokens apart from {@code input_tokens}; they are input all the same (contract §9), so an
     * object's input is the sum of the three. OpenAI's {@code prompt_tokens} already includes its cached tokens.
     */
    private void read(byte[] data, int from, int end, boolean ofMessageStart) {
        int start = from;
        while (start < end && data[start] != '{') {
            start++;
        }
        long input = -1;
        long cached = 0;
        long output = -1;
        try (JsonParser parser = JSON.createParser(data, start, end - start)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if (value == JsonToken.VALUE_NUMBER_INT) {
                    switch (field) {
                        case "prompt_tokens", "input_tokens" -> input = Math.max(input, parser.getLongValue());
                        case "cache_read_input_tokens", "cache_creation_input_tokens" -> cached += parser.getLongValue();
                        case "completion_tokens", "output_tokens" -> output = parser.getLongValue();
                        default -> {
                        }
                    }
                } else {
                    parser.skipChildren();
                }
            }
        } catch (IOException notUsage) {
            // a "usage" key whose value is not a usage object: what was read before the fault is all there is
        }
        if (input >= 0) {
            inputTokens = Math.max(inputTokens, input + cached);
        }
        outputTokens = Math.max(outputTokens, output);
        finalUsage |= !ofMessageStart;
    }

    /**
     * Reads {@code data[followed, to)} for the JSON string {@code "message_start"} (the {@code type} of the event that
     * opens an Anthropic stream, always before its {@code message.usage}), remembering whether the current line holds
     * it. As a whole string token: the same word inside a text is escaped ({@code \"message_start\"}) or not quoted.
     */
    private void follow(byte[] data, int to) {
        for (int i = followed; i < to; i++) {
            byte b = data[i];
            if (b == '\n') {
                lineOpensMessage = false;
                messageStartMatched = 0;
            } else if (b == MESSAGE_START[messageStartMatched]) {
                if (++messageStartMatched == MESSAGE_START.length) {
                    lineOpensMessage = true;
                    messageStartMatched = 0;
                }
            } else {
                // only the quote that opens the string can start it again
                messageStartMatched = b == '"' ? 1 : 0;
            }
        }
        followed = Math.max(followed, to);
    }

    /** The index just past the object that starts after {@code from} (skipping ':' and spaces), or -1 if incomplete. */
    private static int objectEnd(byte[] data, int from) {
        int i = from;
        while (i < data.length && (data[i] == ':' || data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r')) {
            i++;
        }
        if (i >= data.length) {
            return -1;
        }
        if (data[i] != '{') {
            return i; // null or another value: not a usage object
        }
        int depth = 0;
        boolean inString = false;
        for (; i < data.length; i++) {
            byte b = data[i];
            if (inString) {
                if (b == '\\') {
                    i++;
                } else if (b == '"') {
                    inString = false;
                }
            } else if (b == '"') {
                inString = true;
            } else if (b == '{') {
                depth++;
            } else if (b == '}' && --depth == 0) {
                return i + 1;
            }
        }
        return -1;
    }

    private static int indexOf(byte[] data, byte[] key, int from) {
        outer:
        for (int i = from; i <= data.length - key.length; i++) {
            for (int j = 0; j < key.length; j++) {
                if (data[i + j] != key[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static byte[] concat(byte[] head, byte[] tail) {
        if (head.length == 0) {
            return tail;
        }
        byte[] all = java.util.Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }
}
