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
    /** Each budget field with a number: its value's start, end and the number, in the order of the body. */
    private final int[] budgetSpans;
    /** How many of them {@link #budgetSpans} holds (its length may be more). */
    private final int budgetCount;
    private final ObjectNode tree;

    RequestBody(byte[] bytes, int length, String model, int modelStart, int modelEnd, boolean stream, Integer maxTokens,
            int[] budgetSpans, int budgetCount, ObjectNode tree) {
        this.bytes = bytes;
        this.length = length;
        this.model = model;
        this.modelStart = modelStart;
        this.modelEnd = modelEnd;
        this.stream = stream;
        this.maxTokens = maxTokens;
        this.budgetSpans = budgetSpans;
        this.budgetCount = budgetCount;
        this.tree = tree;
    }

    public String model() {
        return model;
    }

    public boolean stream() {
        return stream;
    }

    /**
     * The answer's budget: {@code max_tokens}, {@code max_completion_tokens} or {@code max_output_tokens}, the largest
     * when the body gives more than one; null when absent.
     */
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
     * backend knows the model by another name) and of each budget over {@code maxTokensCap} (the model's
     * {@code max-output-tokens}; {@code max_tokens} and {@code max_completion_tokens} alike) are replaced. The body is
     * never re-serialised.
     */
    public Buffer forUpstream(String upstreamModel, Integer maxTokensCap) {
        boolean renamed = upstreamModel != null && !upstreamModel.equals(model);
        int capped = 0;
        for (int i = 0; maxTokensCap != null && i < budgetCount * 3; i += 3) {
            if (budgetSpans[i + 2] > maxTokensCap) {
                capped++;
            }
        }
        if (!renamed && capped == 0) {
            return original();
        }
        byte[] modelBytes = renamed ? JsonStrings.quote(upstreamModel).getBytes(StandardCharsets.UTF_8) : null;
        byte[] capBytes = capped > 0 ? Integer.toString(maxTokensCap).getBytes(StandardCharsets.US_ASCII) : null;
        // the replacements, in the order they appear in the body: start, end, and which bytes (0 model, 1 cap)
        int[] cuts = new int[(capped + 1) * 3];
        int count = 0;
        if (renamed) {
            cuts[count++] = modelStart;
            cuts[count++] = modelEnd;
            cuts[count++] = 0;
        }
        for (int i = 0; capped > 0 && i < budgetCount * 3; i += 3) {
            if (budgetSpans[i + 2] > maxTokensCap) {
                cuts[count++] = budgetSpans[i];
                cuts[count++] = budgetSpans[i + 1];
                cuts[count++] = 1;
            }
        }
        Buffer out = Buffer.buffer(length + (renamed ? modelBytes.length : 0) + (capped > 0 ? capped * capBytes.length : 0));
        int at = 0;
        while (at < length) {
            int next = -1;
            for (int i = 0; i < count; i += 3) {
                if (cuts[i] >= at && (next < 0 || cuts[i] < cuts[next])) {
                    next = i;
                }
            }
            if (next < 0) {
                break;
            }
            out.appendBytes(bytes, at, cuts[next] - at).appendBytes(cuts[next + 2] == 0 ? modelBytes : capBytes);
            at = cuts[next + 1];
        }
        out.appendBytes(bytes, at, length - at);
        return out;
    }
}
