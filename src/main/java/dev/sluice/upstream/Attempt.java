package dev.sluice.upstream;

import dev.sluice.error.ErrorCode;
import io.vertx.core.json.JsonObject;

/**
 * One backend tried for a request, as listed in the {@code attempts} field of routing errors.
 *
 * @param unconnected true when no connection to the backend could be had (not listed: settlement reads it)
 */
public record Attempt(String backend, String model, String code, Integer status, long durationMs, boolean unconnected) {

    /** The attempt code of a failure: {@code backend_connect_error}, {@code backend_timeout}, {@code http_NNN}. */
    static String codeOf(UpstreamFailure failure) {
        return switch (failure.kind()) {
            case CONNECT -> ErrorCode.BACKEND_CONNECT_ERROR.code();
            case TIMEOUT -> ErrorCode.BACKEND_TIMEOUT.code();
            case HTTP -> "http_" + failure.status();
            case INVALID_ANSWER -> ErrorCode.INVALID_PROVIDER_RESPONSE.code();
            case CANCELLED -> "cancelled";
        };
    }

    public JsonObject toJson() {
        JsonObject json = new JsonObject().put("backend", backend).put("model", model).put("code", code);
        if (status != null) {
            json.put("status", status);
        }
        return json.put("duration_ms", durationMs);
    }
}
