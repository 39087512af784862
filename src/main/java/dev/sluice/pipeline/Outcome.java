package dev.sluice.pipeline;

import dev.sluice.error.ErrorCode;
import dev.sluice.error.Origin;
import dev.sluice.routing.ModelRoute;
import dev.sluice.upstream.Attempt;
import java.util.List;

/**
 * How a request ended, as recorded once by {@link Finish}: metrics, the access log and settlement read it.
 *
 * @param served the model that answered (a fallback's when one did), or null when none did
 * @param backend the backend that answered, or null
 * @param attempts the failed attempts before the answer or the error
 * @param upstreamNanos time spent waiting on backends and relaying their answer
 * @param answered true when a backend's answer started to reach the client
 * @param streaming true when the answer relayed was an event stream
 */
record Outcome(int status, String code, Origin origin, ModelRoute served, String backend, List<Attempt> attempts,
        long upstreamNanos, boolean answered, boolean streaming) {

    /**
     * True when the request ended without any backend taking it: none could be tried ({@code no_healthy_backends},
     * {@code model_router_error}), no connection to any could be had (a connection that broke after the request went
     * out does not count: the backend may have worked on it), or the client left before its request was sent. Such a
     * request is taken back out of its account's quota window, as its tokens and credits are refunded.
     */
    boolean reachedNoBackend() {
        if (answered || backend != null) {
            return false;
        }
        ErrorCode failed = switch (code) {
            case "no_healthy_backends" -> ErrorCode.NO_HEALTHY_BACKENDS;
            case "model_router_error" -> ErrorCode.MODEL_ROUTER_ERROR;
            case "backend_connect_error" -> ErrorCode.BACKEND_CONNECT_ERROR;
            // a client that left before any backend got its request: before the first attempt, or while it connected
            case "client_closed" -> ErrorCode.CLIENT_CLOSED;
            default -> null;
        };
        if (failed == null || failed.status() != status) {
            return false;
        }
        for (Attempt attempt : attempts) {
            if (!attempt.unconnected()) {
                return false;
            }
        }
        return true;
    }
}
