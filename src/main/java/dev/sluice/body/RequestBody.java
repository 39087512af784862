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
    private final int maxTokensStart;
    private final int maxTokensEnd;
    private final ObjectNode tree;

    RequestBody(byte[] bytes, int length, String model, int modelStart, int modelEnd, boolean stream, Integer maxTokens,
            int maxTokensStart, int maxTokensEnd, ObjectNode tree) {
        this.bytes = bytes;
        this.length = length;
        this.model = model;
        this.modelStart = modelStart;
        this.modelEnd = modelEnd;
        this.stream = stream;
        this.maxTokens = maxTokens;
        this.maxTokensStart = maxTokensStart;
        this.maxTokensEnd = maxTokensEnd;
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

    /** The bytes as read (the body is {@code bytes()[0, length())}); never changed. */
    byte[] bytes() {
        return bytes;
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
        return forUpstream(upstreamModel, null);
    }

    /**
     * The body to send upstream: the original bytes, where only the bytes of the {@code model} value (when the
     * backend knows the model by another name) and of the answer budget (when it is over {@code maxTokensCap}, the
     * model's {@code max-output-tokens}) are replaced. The body is never re-serialised.
     */
    public Buffer forUpstream(String upstreamModel, Integer maxTokensCap) {
        boolean renamed = upstreamModel != null && !upstreamModel.equals(model);
        boolean capped = maxTokensCap != null && maxTokens != null && maxTokens > maxTokensCap && maxTokensStart >= 0;
        if (!renamed && !capped) {
            return original();
        }
        byte[] modelBytes = renamed ? JsonStrings.quote(upstreamModel).getBytes(StandardCharsets.UTF_8) : null;
        byte[] capBytes = capped ? Integer.toString(maxTokensCap).getBytes(StandardCharsets.US_ASCII) : null;
        Buffer out = Buffer.buffer(length + (renamed ? modelBytes.length : 0) + (capped ? capBytes.length : 0));
        int at = 0;
        // the two replacements in the order they appear in the body
        boolean modelFirst = !capped || (renamed && modelStart < maxTokensStart);
        for (int pass = 0; pass < 2; pass++) {
            boolean modelPass = (pass == 0) == modelFirst;
            if (modelPass && renamed) {
                out.appendBytes(bytes, at, modelStart - at).appendBytes(modelBytes);
                at = modelEnd;
            } else if (!modelPass && capped) {
                out.appendBytes(bytes, at, maxTokensStart - at).appendBytes(capBytes);
                at = maxTokensEnd;
            }
        }
        out.appendBytes(bytes, at, length - at);
        return out;
    }
}
