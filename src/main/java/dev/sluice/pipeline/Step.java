package dev.sluice.pipeline;

import dev.sluice.error.ProxyError;
import dev.sluice.upstream.UpstreamResult;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.util.Map;

/**
 * What a stage decided, as a value: go on to the next stage, answer now (an error or a body), or relay the backend's
 * answer. A stage never writes to the client itself; the driver acts on its step.
 */
public sealed interface Step {

    /** Go on: the stage found what it looked for and stored it on the exchange. */
    Future<Step> NEXT = Future.succeededFuture(new Next());

    static Future<Step> fail(ProxyError error) {
        return Future.succeededFuture(new Fail(error, null));
    }

    static Future<Step> answer(Buffer json) {
        return Future.succeededFuture(new Answer(json));
    }

    static Future<Step> noContent(Map<String, String> headers) {
        return Future.succeededFuture(new NoContent(headers));
    }

    record Next() implements Step {
    }

    /**
     * Answer this error; nothing further runs.
     *
     * @param upstream the forwarding that led to it (its attempts and time), or null when nothing was forwarded
     */
    record Fail(ProxyError error, UpstreamResult.Failed upstream) implements Step {
    }

    /** Answer 200 with this JSON body (the proxy's own endpoints). */
    record Answer(Buffer json) implements Step {
    }

    /** Answer 204 with these headers and no body (a browser's preflight, granted). */
    record NoContent(Map<String, String> headers) implements Step {
    }

    /** Relay the backend's answer to the client. */
    record RelayAnswer(UpstreamResult.Answered result) implements Step {
    }
}
