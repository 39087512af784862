package dev.sluice.upstream;

import dev.sluice.error.ProxyError;
import java.util.List;

/**
 * How forwarding one client request ended: an answer ready to relay, or a failure with the error to answer. The
 * forwarder never writes to the client; whoever asked decides what to do with this value.
 */
public sealed interface UpstreamResult {

    /**
     * The backends tried that did not answer, in the order they started (fallbacks included; with hedging, the
     * attempts cancelled because another answered too, as {@code cancelled}).
     */
    List<Attempt> attempts();

    /**
     * Time spent waiting on backends before the answer's own call started (or, for a failure, in all): the failed
     * attempts' durations one after another; with hedging, the time since the first attempt started.
     */
    long failedAttemptsNanos();

    /** The attempts started (sent as {@code x-sluice-attempts} for a model with hedge, contract §6.6). */
    int started();

    /** A 2xx answer whose first chunk has arrived. */
    record Answered(UpstreamAnswer answer, List<Attempt> attempts, long failedAttemptsNanos, int started)
            implements UpstreamResult {
    }

    /**
     * Nothing to relay: the error to answer (a backend's own 4xx relayed as the envelope, or a routing error with
     * its attempts).
     *
     * @param cancelled true when the proxy itself stopped forwarding (the client went away, shutdown)
     * @param answeredBy the model whose backend answered the error (its own 4xx), or null when the proxy made it
     * @param answeringBackend the name of that backend (for the access log), or null
     */
    record Failed(ProxyError error, List<Attempt> attempts, long failedAttemptsNanos, boolean cancelled, int started,
            dev.sluice.routing.ModelRoute answeredBy, String answeringBackend) implements UpstreamResult {

        Failed(ProxyError error, List<Attempt> attempts, long failedAttemptsNanos, boolean cancelled, int started) {
            this(error, attempts, failedAttemptsNanos, cancelled, started, null, null);
        }
    }
}
