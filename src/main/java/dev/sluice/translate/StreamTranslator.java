package dev.sluice.translate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.error.ErrorCode;
import dev.sluice.error.ErrorEnvelope;
import dev.sluice.error.ProxyError;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Translates a backend's event stream into the client's, event by event as the bytes arrive (contract §9): the
 * answer is never buffered, each {@link #accept} writes at most one buffer (the client events of the backend events
 * that chunk completed) to the client consumer.
 *
 * <p>The client's stream ends one of two ways: complete ({@code [DONE]} or {@code message_stop} last), or with ONE
 * {@code event: error} in the client's envelope form, code {@code backend_stream_error} (contract §6.4), after which
 * nothing more is written. An {@code error} event from the backend, bytes that cannot be read, a backend that ends
 * before its answer is complete, and {@link #fail} all end it the second way. No method throws.
 *
 * <p>Not thread-safe: called on the exchange's event loop only.
 */
public abstract class StreamTranslator {

    private enum State { OPEN, COMPLETE, FAILED }

    private final String requestId;
    private final String clientModel;
    private final boolean anthropicClient;
    private final Consumer<Buffer> toClient;
    private final SseReader reader = new SseReader(this::onEvent);
    /** The client bytes of the current call, written once at its end. */
    private Buffer pending;
    private State state = State.OPEN;
    private ProxyError failure;

    StreamTranslator(String requestId, String clientModel, boolean anthropicClient, Consumer<Buffer> toClient) {
        this.requestId = requestId;
        this.clientModel = clientModel;
        this.anthropicClient = anthropicClient;
        this.toClient = toClient;
    }

    /** Feeds the next chunk of the backend's stream, split anywhere. Ignored once the client's stream has ended. */
    public final void accept(Buffer chunk) {
        if (state != State.OPEN) {
            return;
        }
        try {
            byte[] bytes = chunk.getBytes();
            reader.feed(bytes, 0, bytes.length);
        } catch (RuntimeException unreadable) {
            failUnreadable();
        }
        flush();
    }

    /**
     * The backend's stream ended. Completes the client's stream when the backend's answer was complete (or at least
     * had its finish reason), else ends it with the error event.
     */
    public final void end() {
        if (state != State.OPEN) {
            return;
        }
        try {
            reader.end();
            if (state == State.OPEN) {
                backendEnded();
            }
        } catch (RuntimeException unreadable) {
            failUnreadable();
        }
        flush();
    }

    /** Ends the client's stream with the error event (the backend's stream broke, stalled, or the proxy stops). */
    public final void fail(String message) {
        if (state != State.OPEN) {
            return;
        }
        failWith(message);
        flush();
    }

    /** True once the client's stream has ended, either way: the response can be ended and the backend let go. */
    public final boolean finished() {
        return state != State.OPEN;
    }

    /** True when the client's stream ended with the error event, or could not be written to. */
    public final boolean failed() {
        return state == State.FAILED;
    }

    /** The error the client's stream ended with, or null (not failed, or the client could not be written to). */
    public final ProxyError failure() {
        return failure;
    }

    /** One backend event. Throws {@link UnreadableStream} (or any runtime exception) for what it cannot read. */
    abstract void event(String type, byte[] data, int length);

    /** The backend's stream ended while the client's is still open: {@link #complete} it or {@link #failWith}. */
    abstract void backendEnded();

    final String clientModel() {
        return clientModel;
    }

    final void emit(byte[] bytes) {
        pending().appendBytes(bytes);
    }

    final void emit(String ascii) {
        pending().appendString(ascii, "US-ASCII");
    }

    final void complete() {
        state = State.COMPLETE;
    }

    final void failWith(String message) {
        state = State.FAILED;
        failure = ProxyError.of(ErrorCode.BACKEND_STREAM_ERROR, message).with("model", clientModel);
        pending().appendString("event: error\ndata: ")
                .appendBuffer(ErrorEnvelope.render(failure, requestId, anthropicClient))
                .appendString("\n\n");
    }

    static JsonNode readObject(byte[] data, int length) {
        try {
            JsonNode event = Json.read(data, 0, length);
            if (event == null || !event.isObject()) {
                throw new UnreadableStream("an event that is not a JSON object");
            }
            return event;
        } catch (IOException notJson) {
            throw new UnreadableStream("an event that is not JSON");
        }
    }

    static boolean is(byte[] data, int length, byte[] expected) {
        if (length != expected.length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (data[i] != expected[i]) {
                return false;
            }
        }
        return true;
    }

    /** The backend's own words about its error, when it sent some. */
    static String backendMessage(JsonNode error) {
        String message = Json.text(error.path("error").get("message"));
        if (message == null) {
            message = Json.text(error.get("message"));
        }
        return message == null || message.isBlank() ? "The backend reported an error in its stream."
                : "The backend reported an error in its stream: " + message;
    }

    private void onEvent(String type, byte[] data, int length) {
        if (state == State.OPEN) {
            event(type, data, length);
        }
    }

    private void failUnreadable() {
        if (state == State.OPEN) {
            failWith("The backend's stream could not be read as its protocol says.");
        }
    }

    private Buffer pending() {
        if (pending == null) {
            pending = Buffer.buffer(256);
        }
        return pending;
    }

    private void flush() {
        if (pending == null || pending.length() == 0) {
            return;
        }
        Buffer out = pending;
        pending = null;
        try {
            toClient.accept(out);
        } catch (RuntimeException clientGone) {
            // nobody left to write to: end quietly, the request path sees the client's close
            state = State.FAILED;
        }
    }

    static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
