package dev.sluice.edge;

import io.vertx.core.MultiMap;
import java.util.Map;

/**
 * Header values no HTTP message may carry: CR, LF or NUL (RFC 9110 §5.5; RFC 9113 §8.2.1 makes an HTTP/2 request with
 * one malformed). HTTP/1.1 heads are refused by the {@link StrictRequestDecoder} before this; an HTTP/2 request (over
 * TLS) is decoded by Netty, which checks names but not values, and such a value would otherwise reach the backend
 * request's headers, which refuse it.
 */
public final class HeaderValues {

    private HeaderValues() {
    }

    /** The name of the first header whose value holds CR, LF or NUL, or null when there is none. */
    public static String forbidden(MultiMap headers) {
        for (Map.Entry<String, String> header : headers) {
            String value = header.getValue();
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == '\r' || c == '\n' || c == '\0') {
                    return header.getKey();
                }
            }
        }
        return null;
    }
}
