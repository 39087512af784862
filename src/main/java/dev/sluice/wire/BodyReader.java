package dev.sluice.wire;

import dev.sluice.error.ErrorCode;
import dev.sluice.error.ProxyError;
import io.netty.buffer.ByteBuf;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.buffer.impl.VertxByteBufAllocator;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.Arrays;

/**
 * Reads a request body into one array, refusing it with 413 as soon as it passes the limit: a declared
 * {@code content-length} over the limit is refused before a byte is read, a chunked body as soon as it grows past it.
 *
 * <p>A body that comes in one piece, as most do, is not copied: Vert.x hands each piece over in a heap array of its
 * own, copied out of Netty's pooled buffer, and that array becomes the body's (see {@link #ownArray}).
 */
public final class BodyReader {

    private static final byte[] EMPTY = new byte[0];

    private byte[] bytes = EMPTY;
    private int length;
    private final int expected;

    private BodyReader(int expected) {
        this.expected = expected;
    }

    /** The body, or a failed future with {@code request_too_large}. */
    public static Future<BodyReader> read(HttpServerRequest request, long limit) {
        long declared = declaredLength(request);
        if (declared > limit) {
            return Future.failedFuture(tooLarge(limit));
        }
        BodyReader reader = new BodyReader((int) declared);
        Promise<BodyReader> promise = Promise.promise();
        request.handler(chunk -> {
            if (promise.future().isComplete()) {
                return;
            }
            int size = chunk.length();
            if ((long) reader.length + size > limit) {
                promise.tryFail(tooLarge(limit));
                return;
            }
            reader.append(chunk, limit);
        });
        request.endHandler(end -> promise.tryComplete(reader));
        request.exceptionHandler(promise::tryFail);
        if (expectsContinue(request)) {
            // the client waits for this before it sends the body (curl for a second, then sends it anyway); it comes
            // only now, once the key, the declared size and the media type have passed, as RFC 9110 §10.1.1 allows
            request.response().writeContinue();
        }
        request.resume();
        return promise.future();
    }

    private void append(Buffer chunk, long limit) {
        int size = chunk.length();
        if (length == 0 && size == expected) {
            byte[] whole = ownArray(chunk);
            if (whole != null) {
                bytes = whole;
                length = size;
                return;
            }
        }
        if (length + size > bytes.length) {
            long wanted = Math.max(expected >= 0 ? expected : Math.min(limit, 8192), (long) length + size);
            int grown = (int) Math.min(limit, Math.max((long) bytes.length * 2, wanted));
            bytes = Arrays.copyOf(bytes, grown);
        }
        chunk.getBytes(0, size, bytes, length);
        length += size;
    }

    /**
     * The chunk's own array when it holds exactly the chunk's bytes and nothing else can write to it: a heap buffer of
     * Vert.x's unpooled allocator (what {@code VertxHandler.safeBuffer} copies a pooled buffer into before it hands it
     * over), starting at 0 and as long as the chunk. Anything else (a pooled or direct buffer, a slice) is copied.
     */
    static byte[] ownArray(Buffer chunk) {
        ByteBuf buf = chunk.getByteBuf();
        if (buf.alloc() != VertxByteBufAllocator.DEFAULT || !buf.hasArray()
                || buf.arrayOffset() + buf.readerIndex() != 0 || buf.array().length != buf.readableBytes()) {
            return null;
        }
        return buf.array();
    }

    /** An HTTP/1.1 request with {@code expect: 100-continue}: its client holds the body back until asked for it. */
    public static boolean expectsContinue(HttpServerRequest request) {
        return request.version() == HttpVersion.HTTP_1_1 && "100-continue".equalsIgnoreCase(request.getHeader("expect"));
    }

    public byte[] bytes() {
        return bytes;
    }

    public int length() {
        return length;
    }

    public static long declaredLength(HttpServerRequest request) {
        String value = request.getHeader("content-length");
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    public static ProxyError tooLarge(long limit) {
        return ProxyError.of(ErrorCode.REQUEST_TOO_LARGE, "The request body is larger than " + limit + " bytes.")
                .with("limit_bytes", limit).header("connection", "close");
    }
}
