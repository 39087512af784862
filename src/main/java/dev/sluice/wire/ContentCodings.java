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
        StringBuilder kept = new StringBuilder(acceptEncoding.length());
        boolean leftOut = false;
        boolean coding = false;
        for (String element : acceptEncoding.split(",")) {
            String item = element.trim();
            if (item.isEmpty()) {
                continue; // an empty list element (RFC 9110 §5.6.1)
            }
            String name = codingName(item);
            boolean decodable = name.equalsIgnoreCase("gzip") || name.equalsIgnoreCase("x-gzip")
                    || name.equalsIgnoreCase("deflate");
            if (decodable || name.equalsIgnoreCase("identity")) {
                coding |= decodable;
                kept.append(kept.isEmpty() ? "" : ", ").append(item);
            } else {
                leftOut = true;
            }
        }
        if (!coding) {
            return null;
        }
        // the usual value (gzip, deflate) passes as the client wrote it
        return leftOut ? kept.toString() : acceptEncoding;
    }

    /** The coding of a list element, without its parameters ({@code gzip;q=0.8} is {@code gzip}). */
    private static String codingName(String element) {
        int semicolon = element.indexOf(';');
        return (semicolon < 0 ? element : element.substring(0, semicolon)).trim();
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
