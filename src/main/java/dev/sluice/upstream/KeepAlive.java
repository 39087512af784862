package dev.sluice.upstream;

import dev.sluice.wire.Headers;
import io.vertx.core.MultiMap;

/**
 * How long an idle pooled backend connection is kept: {@code sluice.upstream.keep-alive-timeout}, or less when the
 * backend says it keeps its side for less.
 *
 * <p>Why this exists: Vert.x takes a backend's {@code Keep-Alive: timeout=N} header, read from the answer's headers
 * when the answer ends, as that connection's keep-alive in place of the client's own. A Node backend says
 * {@code timeout=5} by default, so a connection was lent up to 5 s after its last answer, the moment Node closes it
 * (the race the 4 s default is there to avoid); one that says {@code timeout=65} had every idle connection of a burst
 * held for 65 s; {@code timeout=0} kept it for good. {@link #bound} rewrites the header on the answer's head, before
 * Vert.x reads it, so that the connection keeps what the proxy chose:
 * <ul>
 * <li>no {@code timeout} the proxy can read, or N − 1 at least the proxy's value: the header is removed, and Vert.x
 * keeps the proxy's value;</li>
 * <li>a shorter one: N − 1 s, a second's margin before the backend closes, as the default keeps against Node's 5 s;</li>
 * <li>{@code timeout=1} or {@code 0}: no second's margin is left, so the connection closes after this answer.</li>
 * </ul>
 * The header is hop-by-hop and never reaches the client.
 */
final class KeepAlive {

    private static final String KEEP_ALIVE = "keep-alive";
    private static final String TIMEOUT = "timeout=";

    private KeepAlive() {
    }

    /**
     * Rewrites an answer's {@code Keep-Alive} header so that its connection is kept idle for at most
     * {@code ownSeconds}, and for less than the backend keeps it.
     *
     * @param headers the answer's headers, as Vert.x reads them when the answer ends
     * @param ownSeconds {@code sluice.upstream.keep-alive-timeout}, in whole seconds (at least 1)
     */
    static void bound(MultiMap headers, int ownSeconds) {
        String value = headers.get(KEEP_ALIVE);
        if (value == null) {
            return;
        }
        int advertised = timeoutSeconds(value);
        int kept = advertised < 0 ? ownSeconds : Math.min(ownSeconds, advertised - 1);
        if (kept >= ownSeconds) {
            headers.remove(KEEP_ALIVE);
        } else if (kept <= 0) {
            headers.remove(KEEP_ALIVE);
            // Vert.x closes the connection after the answer on a Connection header of exactly "close"
            Headers.removeConnectionNamed(headers);
            headers.set("connection", "close");
        } else {
            headers.set(KEEP_ALIVE, TIMEOUT + readableByVertx(kept));
        }
    }

    /**
     * The {@code timeout} parameter of a {@code Keep-Alive} value in seconds (at most a day), or -1 without one. Read
     * without allocating: a backend such as Node sends the header with every answer.
     */
    static int timeoutSeconds(String value) {
        int length = value.length();
        int start = 0;
        while (start < length) {
            int comma = value.indexOf(',', start);
            int end = comma < 0 ? length : comma;
            while (start < end && value.charAt(start) == ' ') {
                start++;
            }
            int last = end;
            while (last > start && value.charAt(last - 1) == ' ') {
                last--;
            }
            if (last - start > TIMEOUT.length() && value.regionMatches(true, start, TIMEOUT, 0, TIMEOUT.length())) {
                long seconds = 0;
                for (int i = start + TIMEOUT.length(); i < last; i++) {
                    char c = value.charAt(i);
                    if (c < '0' || c > '9') {
                        return -1;
                    }
                    seconds = Math.min(86_400, seconds * 10 + (c - '0'));
                }
                return (int) seconds;
            }
            start = end + 1;
        }
        return -1;
    }

    /**
     * The largest number of seconds up to {@code seconds} that Vert.x 4.5 reads: its parser takes digits from 0 to 8
     * only, and ignores a value with a 9 in it (which would leave the connection at the proxy's longer value).
     */
    static int readableByVertx(int seconds) {
        int readable = seconds;
        while (String.valueOf(readable).indexOf('9') >= 0) {
            readable--;
        }
        return readable;
    }
}
