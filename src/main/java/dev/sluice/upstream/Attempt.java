package dev.sluice.upstream;

import io.vertx.core.json.JsonObject;

/** One backend tried for a request, as listed in the {@code attempts} field of routing errors. */
public record Attempt(String backend, String model, String code, Integer status, long durationMs) {

    public JsonObject toJson() {
        JsonObject json = new JsonObject().put("backend", backend).put("model", model).put("code", code);
        if (status != null) {
            json.put("status", status);
        }
        return json.put("duration_ms", durationMs);
    }
}
