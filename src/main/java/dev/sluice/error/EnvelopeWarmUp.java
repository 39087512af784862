package dev.sluice.error;

import io.quarkus.vertx.http.HttpServerStart;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.ObservesAsync;

/**
 * Renders one envelope of each form as soon as the proxy listens, off the event loops. The request path never
 * encodes JSON on success, so the first error of a process was the first use of Vert.x' JSON codec: Jackson's
 * databind, about 450 classes loaded on the event loop. That made the first refusal of a process take 0.3–0.9 s on a
 * 2-core machine, where the contract promises a Redis outage's 503 within {@code redis-timeout} (50 ms). Done after
 * the server listens, the start-up's first answer does not wait for it.
 */
@ApplicationScoped
public class EnvelopeWarmUp {

    void warm(@ObservesAsync HttpServerStart started) {
        ProxyError error = ProxyError.of(ErrorCode.INTERNAL_ERROR, "warm-up");
        ErrorEnvelope.render(error, "req_000000000000", false);
        ErrorEnvelope.render(error, "req_000000000000", true);
    }
}
