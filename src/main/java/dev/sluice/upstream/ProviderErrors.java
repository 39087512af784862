package dev.sluice.upstream;

import dev.sluice.error.ErrorCode;
import dev.sluice.error.ProxyError;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * Turns a backend's own 4xx answer into the envelope (contract §3.2): status kept, {@code origin: provider}, the
 * backend's message, {@code param} and string {@code code} kept.
 */
final class ProviderErrors {

    private ProviderErrors() {
    }

    static ProxyError from(int status, Buffer body) {
        JsonObject error = errorObject(body);
        String message = error == null ? null : string(error, "message");
        if (message == null || message.isBlank()) {
            message = "The backend rejected the request with HTTP " + status + ".";
        }
        String code = error == null ? null : string(error, "code");
        String param = error == null ? null : string(error, "param");
        return ProxyError.fromProvider(status, ErrorCode.typeOfStatus(status), code != null ? code : "http_" + status, message, param);
    }

    /** The error object of an OpenAI ({@code {"error":{…}}}), Anthropic or flat (vLLM, TGI) error body. */
    private static JsonObject errorObject(Buffer body) {
        if (body == null || body.length() == 0) {
            return null;
        }
        try {
            Object parsed = body.toJson();
            if (!(parsed instanceof JsonObject json)) {
                return null;
            }
            Object inner = json.getValue("error");
            if (inner instanceof JsonObject innerObject) {
                return innerObject;
            }
            if (inner instanceof String text) {
                return new JsonObject().put("message", text);
            }
            return json;
        } catch (RuntimeException notJson) {
            return null;
        }
    }

    private static String string(JsonObject object, String field) {
        return object.getValue(field) instanceof String value ? value : null;
    }
}
