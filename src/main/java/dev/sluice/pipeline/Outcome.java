package dev.sluice.pipeline;

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
}
