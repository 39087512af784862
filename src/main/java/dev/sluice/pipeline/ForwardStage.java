package dev.sluice.pipeline;

import dev.sluice.upstream.Forwarder;
import dev.sluice.upstream.Route;
import dev.sluice.upstream.UpstreamResult;
import io.vertx.core.Future;
import jakarta.inject.Singleton;

/**
 * Routing (contract §6): hands the request to the forwarder, which tries backends, retries and fallbacks, and
 * answers with a result — an answer to relay, or the error to answer. The route is kept on the exchange so that a
 * client going away cancels it at once.
 */
@Singleton
final class ForwardStage implements Stage {

    private final Forwarder forwarder;

    ForwardStage(Forwarder forwarder) {
        this.forwarder = forwarder;
    }

    @Override
    public Future<Step> apply(Exchange exchange) {
        Route route = exchange.candidates() == null
                ? forwarder.forward(exchange.outgoing(), exchange.model(), exchange.generation().catalog())
                : forwarder.forward(exchange.outgoing(), exchange.candidates());
        exchange.route(route);
        return route.result().map(result -> {
            if (result instanceof UpstreamResult.Answered answered) {
                return new Step.RelayAnswer(answered);
            }
            UpstreamResult.Failed failed = (UpstreamResult.Failed) result;
            return new Step.Fail(failed.error(), failed);
        });
    }
}
