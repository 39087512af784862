package dev.sluice.pipeline;

import dev.sluice.error.ErrorCode;
import dev.sluice.error.ProxyError;

/** The errors the path itself decides in more than one place. */
final class Answers {

    private Answers() {
    }

    /** Not sent to anyone: the client went away. For logs and metrics. */
    static ProxyError clientClosed() {
        return ProxyError.of(ErrorCode.CLIENT_CLOSED, "The client went away.");
    }

    /**
     * A request still waiting for its backend when the shutdown grace ran out: its backend did not answer in the time
     * left (504, which the SDKs retry, on a new connection: this one closes), not a connect error, which says the
     * backend never had the request and would count each rollout as a backend outage.
     */
    static ProxyError shuttingDown() {
        return ProxyError.of(ErrorCode.BACKEND_TIMEOUT,
                "The proxy is shutting down; the request was cut before its backend answered.")
                .header("connection", "close");
    }

    static ProxyError unexpected() {
        return ProxyError.of(ErrorCode.INTERNAL_ERROR, "The proxy failed unexpectedly.");
    }
}
