package dev.sluice.pipeline;

import io.vertx.core.Future;

/**
 * One step of the request path (contract §5 gives the order). A stage reads what the earlier stages stored on the
 * exchange, stores what it finds, and returns its decision as a value: {@link Step#NEXT}, an answer, or a relay. It
 * may throw a {@link dev.sluice.error.ProxyError} from deep parsing code; the driver treats that as
 * {@link Step.Fail}.
 *
 * <p>Called on the event loop of the client's connection; never blocks. A stage that waits (reading the body,
 * admission, forwarding) returns a future that completes on that event loop.
 */
@FunctionalInterface
public interface Stage {

    Future<Step> apply(Exchange exchange);
}
