package dev.sluice.wire;

import dev.sluice.error.ErrorCode;
import dev.sluice.error.ProxyError;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.Arrays;

/**
 * Reads a request body into one array, refusing it with 413 as soon as it passes the limit: a declared
 * {@code content-length} over the limit is refused before a byte is read, a chunked body as soon as it grows past it.
 */
public final class BodyReader {

    private byte[] bytes;
    private int length;

    private BodyReader(int initialCapacity) {
        bytes = new byte[initialCapacity];
    }

    /** The body, or a failed future with {@code request_too_large}. */
    public static Future<BodyReader> read(HttpServerRequest request, long limit) {
        long declared = declaredLength(request);
        if (declared > limit) {
            return Future.failedFuture(tooLarge(limit));
        }
        BodyReader reader = new BodyReader((int) (declared >= 0 ? declared : Math.min(limit, 8192)));
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
            if (reader.length + size > reader.bytes.length) {
                int grown = (int) Math.min(limit, Math.max((long) reader.bytes.length * 2, (long) reader.length + size));
                reader.bytes = Arrays.copyOf(reader.bytes, grown);
            }
            chunk.getBytes(0, size, reader.bytes, reader.length);
            reader.length += size;
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
