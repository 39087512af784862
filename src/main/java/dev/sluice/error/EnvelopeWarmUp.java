package dev.sluice.error;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Renders one envelope of each form at start-up, before the proxy listens. The request path never encodes JSON on
 * success, so the first error of a process was the first use of Vert.x' JSON codec: Jackson's databind, about 450
 * classes loaded on the event loop. That made the first refusal of a process take 0.3–0.9 s on a 2-core machine,
 * where the contract promises a Redis outage's 503 within {@code redis-timeout} (50 ms).
 *
 * <p>Before listening rather than after: done on a worker once the server listened, it competed with the first
 * requests for the cores (a test's first request, with a 300 ms first-byte timeout, timed out). With the image's AOT
 * cache the classes come loaded, and what is left is building the codec.
 */
@ApplicationScoped
public class EnvelopeWarmUp {

    void warm(@Observes StartupEvent started) {
        ProxyError error = ProxyError.of(ErrorCode.INTERNAL_ERROR, "warm-up");
        ErrorEnvelope.render(error, "req_000000000000", false);
        ErrorEnvelope.render(error, "req_000000000000", true);
    }
}
