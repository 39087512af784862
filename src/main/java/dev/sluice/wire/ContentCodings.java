package dev.sluice.wire;

import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/**
 * The content codings the proxy can read in a backend's answer: gzip and deflate, which the JDK decodes.
 *
 * <p>A successful answer passes through as the backend coded it (the client asked for that coding), but an error answer
 * is read to build the envelope, and an answer the proxy cannot decode would lose the backend's message. So the
 * client's {@code accept-encoding} reaches a backend only with the codings listed here ({@code br} or {@code zstd}
 * stay behind), and an error body is decoded before it is read.
 */
public final class ContentCodings {

    // what an element of an accept-encoding list names
    private static final int EMPTY = 0;
    private static final int DECODABLE = 1;
    private static final int IDENTITY = 2;
    private static final int UNREADABLE = 3;

    private ContentCodings() {
    }

    /**
     * The client's {@code accept-encoding} without the codings the proxy could not read back (their quality values
     * kept), or null when no coding is left (an {@code identity} alone, even one refused with {@code q=0}, would
     * tell the backend nothing it can do): the backend then answers uncoded. A wildcard ({@code *}) is left out too, as
     * it lets the backend choose any coding.
     */
    public static String readable(String acceptEncoding) {
        if (acceptEncoding == null) {
            return null;
        }
        // every client sends this header: a first pass reads it without allocating, and only a value with a coding
        // left out is built again
        boolean coding = false;
        boolean leftOut = false;
        for (int from = 0; from <= acceptEncoding.length(); from = elementEnd(acceptEncoding, from) + 1) {
            int kind = kind(acceptEncoding, from);
            coding |= kind == DECODABLE;
            leftOut |= kind == UNREADABLE;
        }
        if (!coding) {
            return null;
        }
        // the usual value (gzip, deflate) passes as the client wrote it
        if (!leftOut) {
            return acceptEncoding;
        }
        StringBuilder kept = new StringBuilder(acceptEncoding.length());
        for (int from = 0; from <= acceptEncoding.length(); from = elementEnd(acceptEncoding, from) + 1) {
            int kind = kind(acceptEncoding, from);
            if (kind == DECODABLE || kind == IDENTITY) {
                int end = elementEnd(acceptEncoding, from);
                int start = skipSpace(acceptEncoding, from, end);
                kept.append(kept.isEmpty() ? "" : ", ")
                        .append(acceptEncoding, start, trimEnd(acceptEncoding, start, end));
            }
        }
        return kept.toString();
    }

    /** What the list element starting at {@code from} names, its parameters ({@code gzip;q=0.8}) aside. */
    private static int kind(String value, int from) {
        int end = elementEnd(value, from);
        int start = skipSpace(value, from, end);
        if (start == end) {
            return EMPTY; // an empty list element (RFC 9110 §5.6.1)
        }
        int semicolon = value.indexOf(';', start);
        int nameEnd = trimEnd(value, start, semicolon < 0 || semicolon > end ? end : semicolon);
        if (named(value, start, nameEnd, "gzip") || named(value, start, nameEnd, "x-gzip")
                || named(value, start, nameEnd, "deflate")) {
            return DECODABLE;
        }
        return named(value, start, nameEnd, "identity") ? IDENTITY : UNREADABLE;
    }

    private static int elementEnd(String value, int from) {
        int comma = value.indexOf(',', from);
        return comma < 0 ? value.length() : comma;
    }

    /** As {@link String#trim()} counts space: every character up to {@code ' '}. */
    private static int skipSpace(String value, int from, int end) {
        while (from < end && value.charAt(from) <= ' ') {
            from++;
        }
        return from;
    }

    private static int trimEnd(String value, int start, int end) {
        while (end > start && value.charAt(end - 1) <= ' ') {
            end--;
        }
        return end;
    }

    private static boolean named(String value, int start, int end, String name) {
        return end - start == name.length() && value.regionMatches(true, start, name, 0, name.length());
    }

    /**
     * {@code body} decoded from {@code contentEncoding} (gzip or deflate), at most {@code limit} bytes of it; the body
     * as it is when it is not coded, coded otherwise, or not decodable (a truncated coded body gives what could be
     * decoded of it).
     */
    public static Buffer decoded(String contentEncoding, Buffer body, int limit) {
        if (contentEncoding == null || body.length() == 0) {
            return body;
        }
        String coding = contentEncoding.trim().toLowerCase(Locale.ROOT);
        byte[] bytes = body.getBytes();
        byte[] decoded = switch (coding) {
            case "gzip", "x-gzip" -> gunzip(bytes, limit);
            case "deflate" -> inflate(bytes, limit);
            default -> null;
        };
        return decoded == null ? body : Buffer.buffer(decoded);
    }

    private static byte[] gunzip(byte[] bytes, int limit) {
        try {
            return readUpTo(new GZIPInputStream(new ByteArrayInputStream(bytes)), limit);
        } catch (IOException notGzip) {
            return null;
        }
    }

    /** HTTP's deflate is zlib-wrapped (RFC 1950); some servers send it raw, which is tried next. */
    private static byte[] inflate(byte[] bytes, int limit) {
        byte[] wrapped = inflate(bytes, false, limit);
        return wrapped != null ? wrapped : inflate(bytes, true, limit);
    }

    private static byte[] inflate(byte[] bytes, boolean raw, int limit) {
        Inflater inflater = new Inflater(raw);
        try {
            return readUpTo(new InflaterInputStream(new ByteArrayInputStream(bytes), inflater), limit);
        } finally {
            inflater.end();
        }
    }

    /**
     * Up to {@code limit} bytes of a decoding stream over bytes in memory (it never waits); what was decoded before a
     * truncated end, or null when nothing could be.
     */
    private static byte[] readUpTo(InputStream decoding, int limit) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(limit, 8192));
        byte[] chunk = new byte[Math.min(limit, 8192)];
        try (decoding) {
            int n;
            while (out.size() < limit
                    && (n = decoding.read(chunk, 0, Math.min(chunk.length, limit - out.size()))) > 0) {
                out.write(chunk, 0, n);
            }
        } catch (IOException brokenOrTruncated) {
            // what was decoded before it, if anything
        }
        return out.size() == 0 ? null : out.toByteArray();
    }
}
