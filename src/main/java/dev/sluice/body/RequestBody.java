package dev.sluice.body;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * A request body as read once from the client, with what routing needs found by one scan: the {@code model} value
 * and where its bytes are, the {@code stream} flag, the token budget, and (only when a check needs it) the whole
 * JSON tree.
 */
public final class RequestBody {

    private final byte[] bytes;
    private final int length;
    private final String model;
    private final int modelStart;
    private final int modelEnd;
    private final boolean stream;
    private final Integer maxTokens;
    private final ObjectNode tree;

    RequestBody(byte[] bytes, int length, String model, int modelStart, int modelEnd, boolean stream, Integer maxTokens,
            ObjectNode tree) {
        this.bytes = bytes;
        this.length = length;
        this.model = model;
        this.modelStart = modelStart;
        this.modelEnd = modelEnd;
        this.stream = stream;
        this.maxTokens = maxTokens;
        this.tree = tree;
    }

    public String model() {
        return model;
    }

    public boolean stream() {
        return stream;
    }

    /** {@code max_tokens} (or {@code max_completion_tokens} / {@code max_output_tokens}), or null when absent. */
    public Integer maxTokens() {
        return maxTokens;
    }

    /** The parsed tree when the scan was asked for it, else null. */
    public ObjectNode tree() {
        return tree;
    }

    public int length() {
        return length;
    }

    /** The body as received, without a copy. */
    public Buffer original() {
        return Buffer.buffer(io.netty.buffer.Unpooled.wrappedBuffer(bytes, 0, length));
    }

    /**
     * The body to send upstream: the original bytes, where only the bytes of the {@code model} value are replaced
     * when the backend knows the model by another name. The body is never re-serialised.
     */
    public Buffer forUpstream(String upstreamModel) {
        if (upstreamModel == null || upstreamModel.equals(model)) {
            return original();
        }
        byte[] replacement = JsonStrings.quote(upstreamModel).getBytes(StandardCharsets.UTF_8);
        Buffer out = Buffer.buffer(length - (modelEnd - modelStart) + replacement.length);
        out.appendBytes(bytes, 0, modelStart);
        out.appendBytes(replacement);
        out.appendBytes(bytes, modelEnd, length - modelEnd);
        return out;
    }
}
