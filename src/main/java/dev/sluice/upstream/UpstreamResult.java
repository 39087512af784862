package dev.sluice.upstream;

import dev.sluice.error.ProxyError;
import java.util.List;

/**
 * How forwarding one client request ended: an answer ready to relay, or a failure with the error to answer. The
 * forwarder never writes to the client; whoever asked decides what to do with this value.
 */
public sealed interface UpstreamResult {

    /** The backends tried before the result, in order (fallbacks included). */
    List<Attempt> attempts();

    /** Time spent waiting on backends for the attempts that failed. */
    long failedAttemptsNanos();

    /** A 2xx answer whose first chunk has arrived. */
    record Answered(UpstreamAnswer answer, List<Attempt> attempts, long failedAttemptsNanos) implements UpstreamResult {
    }

    /**
     * Nothing to relay: the error to answer (a backend's own 4xx relayed as the envelope, or a routing error with
     * its attempts).
     *
     * @param cancelled true when the proxy itself stopped forwarding (the client went away, shutdown)
     */
    record Failed(ProxyError error, List<Attempt> attempts, long failedAttemptsNanos, boolean cancelled)
            implements UpstreamResult {
    }
}
