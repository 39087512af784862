package dev.sluice.http;

import dev.sluice.error.ErrorEnvelope;
import dev.sluice.error.ProxyError;
import io.vertx.core.http.HttpServerResponse;

/** Writes a {@link ProxyError} to the client as the error envelope and ends the exchange. */
public final class ErrorResponder {

    private ErrorResponder() {
    }

    public static void send(Exchange exchange, ProxyError error) {
        HttpServerResponse response = exchange.response();
        if (!exchange.request().isEnded()) {
            // answered before the body was read: let the rest of it drain so the connection can serve the next request
            exchange.request().handler(null);
            exchange.request().resume();
        }
        if (!response.ended() && !response.headWritten() && !exchange.clientGone()) {
            response.setStatusCode(error.status());
            response.headers().set("content-type", "application/json");
            error.headers().forEach(response.headers()::set);
            response.end(ErrorEnvelope.render(error, exchange.requestId(), exchange.anthropic()));
        }
        exchange.finish(error);
    }
}
