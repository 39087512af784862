package dev.sluice.wire;

import io.vertx.core.MultiMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Which headers cross the proxy: hop-by-hop headers (RFC 9110 §7.6.1) stop here, in both directions. */
public final class Headers {

    private static final Names HOP_BY_HOP = new Names("connection", "keep-alive", "transfer-encoding",
            "te", "trailer", "upgrade", "http2-settings");

    /** Request headers the proxy sets itself or never forwards (client credentials among them). */
    private static final Names NOT_FORWARDED_UPSTREAM = new Names("host", "content-length",
            "authorization", "x-api-key", RequestIds.HEADER, "content-type", "expect");

    private static final Names TRACE_CONTEXT = new Names("traceparent", "tracestate");

    /**
     * Response headers the proxy sets itself: a backend's request id never replaces the proxy's, and a backend's CORS
     * headers never speak for the proxy (its own policy, {@code sluice.cors}, decides which pages may read an answer;
     * with none listed, none may).
     */
    private static final Names NOT_RELAYED_DOWNSTREAM = new Names(RequestIds.HEADER, "request-id",
            "access-control-allow-origin", "access-control-allow-credentials", "access-control-expose-headers",
            "access-control-allow-methods", "access-control-allow-headers", "access-control-max-age");

    /**
     * A handful of header names, compared case-insensitively without lower-casing (allocating) the name looked up; a
     * name of another length is passed over at once, which is most of them.
     */
    private record Names(String... names) {

        boolean contains(String name) {
            int length = name.length();
            for (String candidate : names) {
                if (candidate.length() == length && candidate.equalsIgnoreCase(name)) {
                    return true;
                }
            }
            return false;
        }
    }

    private Headers() {
    }

    /**
     * Copies the client's headers to the upstream request, leaving out hop-by-hop and credentials. With
     * {@code ownTraceContext} (tracing on) the client's {@code traceparent} and {@code tracestate} stay behind too:
     * the HTTP client sends those of the proxy's own span, a child of the client's.
     */
    public static void copyToUpstream(MultiMap from, MultiMap to, boolean ownTraceContext) {
        Set<String> named = connectionNamed(from);
        for (Map.Entry<String, String> header : from) {
            String name = header.getKey();
            if (!dropped(name, named) && !NOT_FORWARDED_UPSTREAM.contains(name)
                    && !(ownTraceContext && TRACE_CONTEXT.contains(name))) {
                to.add(name, header.getValue());
            }
        }
    }

    /** Copies a backend's response headers to the client, leaving out hop-by-hop, its request id and its CORS. */
    public static void copyToClient(MultiMap from, MultiMap to) {
        Set<String> named = connectionNamed(from);
        for (Map.Entry<String, String> header : from) {
            String name = header.getKey();
            if (!dropped(name, named) && !NOT_RELAYED_DOWNSTREAM.contains(name)) {
                to.add(name, header.getValue());
            }
        }
    }

    private static boolean dropped(String name, Set<String> connectionNamed) {
        return HOP_BY_HOP.contains(name) || name.regionMatches(true, 0, "proxy-", 0, 6)
                || (!connectionNamed.isEmpty() && connectionNamed.contains(name.toLowerCase(Locale.ROOT)));
    }

    /**
     * Removes the headers that the {@code Connection} header names (hop-by-hop by its say, and dropped by
     * {@link #copyToClient} anyway), for a caller about to replace that header.
     */
    public static void removeConnectionNamed(MultiMap headers) {
        for (String name : connectionNamed(headers)) {
            headers.remove(name);
        }
    }

    /**
     * The header names listed in {@code Connection}, which are hop-by-hop for this message. The usual values
     * ({@code keep-alive}, {@code upgrade}) name nothing beyond the standard hop-by-hop headers, so they give the
     * empty set; a value of one token is looked at without a copy (a list allocates its tokens, not a set).
     */
    private static Set<String> connectionNamed(MultiMap headers) {
        if (!headers.contains("connection")) {
            return Set.of();
        }
        Set<String> named = null;
        for (String value : headers.getAll("connection")) {
            int start = 0;
            while (start <= value.length()) {
                int comma = value.indexOf(',', start);
                int end = comma < 0 ? value.length() : comma;
                String token = value.substring(start, end).trim();
                if (!token.isEmpty() && !HOP_BY_HOP.contains(token)) {
                    if (named == null) {
                        named = new HashSet<>();
                    }
                    named.add(token.toLowerCase(Locale.ROOT));
                }
                start = end + 1;
            }
        }
        return named == null ? Set.of() : named;
    }
}
