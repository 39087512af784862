package dev.sluice.error;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/** Renders a {@link ProxyError} as the envelope of contract §3, in OpenAI or Anthropic form. */
public final class ErrorEnvelope {

    private ErrorEnvelope() {
    }

    /** The inner error object: type, code, message, param, request_id, origin, then the code-specific fields. */
    public static JsonObject errorObject(ProxyError error, String requestId) {
        JsonObject object = new JsonObject()
                .put("type", error.type())
                .put("code", error.code())
                .put("message", error.getMessage())
                .put("param", error.param())
                .put("request_id", requestId)
                .put("origin", error.origin().wire());
        error.fields().forEach(object::put);
        return object;
    }

    /** {@code {"error":{…}}} for OpenAI endpoints, {@code {"type":"error","error":{…}}} for Anthropic ones. */
    public static JsonObject envelope(ProxyError error, String requestId, boolean anthropic) {
        JsonObject inner = errorObject(error, requestId);
        return anthropic ? new JsonObject().put("type", "error").put("error", inner) : new JsonObject().put("error", inner);
    }

    public static Buffer render(ProxyError error, String requestId, boolean anthropic) {
        return envelope(error, requestId, anthropic).toBuffer();
    }
}
