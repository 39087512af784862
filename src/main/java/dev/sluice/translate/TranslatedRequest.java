package dev.sluice.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.routing.Protocol;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import java.util.function.Consumer;

/**
 * A request translated for one backend attempt: the body to send, and what the answer's translation needs to know
 * about the client's request (the model name it asked for, whether it streams, whether it asked for a usage chunk).
 * A fallback to a model of another protocol or name is another translation.
 *
 * <p>Immutable; {@link #answer} may be called from any thread, a {@link StreamTranslator} belongs to one exchange.
 */
public final class TranslatedRequest {

    private final Translation translation;
    private final byte[] body;
    private final String clientModel;
    private final boolean stream;
    private final boolean includeUsage;

    TranslatedRequest(Translation translation, ObjectNode clientBody, ObjectNode backendBody) {
        this.translation = translation;
        this.body = Json.bytes(backendBody);
        String model = Json.text(clientBody.get("model"));
        this.clientModel = model != null ? model : "";
        this.stream = clientBody.path("stream").asBoolean(false);
        JsonNode includeUsage = clientBody.path("stream_options").path("include_usage");
        this.includeUsage = translation.client() == Protocol.OPENAI && includeUsage.asBoolean(false);
    }

    public Translation translation() {
        return translation;
    }

    /** The backend's request body, JSON in the backend's protocol. A new view of the same bytes on every call. */
    public Buffer body() {
        return Buffer.buffer(Unpooled.wrappedBuffer(body));
    }

    /** The model name the client asked for: the {@code model} of every translated answer and error. */
    public String clientModel() {
        return clientModel;
    }

    /** Whether the client asked for a stream (and so the backend was asked for one). */
    public boolean stream() {
        return stream;
    }

    /** Whether an OpenAI client asked for {@code stream_options.include_usage}: a usage chunk before {@code [DONE]}. */
    public boolean includeUsage() {
        return includeUsage;
    }

    /**
     * Translates a backend's complete 2xx JSON answer into the client's protocol.
     *
     * @throws InvalidProviderResponse when the body cannot be read as the backend's protocol says
     */
    public Buffer answer(Buffer backendBody) {
        byte[] bytes = backendBody.getBytes();
        ObjectNode answer = translation == Translation.OPENAI_TO_ANTHROPIC
                ? MessagesAnswerToChat.translate(bytes, clientModel)
                : ChatAnswerToMessages.translate(bytes, clientModel);
        return Buffer.buffer(Unpooled.wrappedBuffer(Json.bytes(answer)));
    }

    /**
     * A translator for the backend's event stream, writing the client's events to {@code toClient}.
     *
     * @param requestId the exchange's request id, for the error event's envelope
     */
    public StreamTranslator streamTranslator(String requestId, Consumer<Buffer> toClient) {
        return translation == Translation.OPENAI_TO_ANTHROPIC
                ? new MessagesStreamToChat(requestId, clientModel, includeUsage, toClient)
                : new ChatStreamToMessages(requestId, clientModel, toClient);
    }
}
