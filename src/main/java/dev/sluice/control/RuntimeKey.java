package dev.sluice.control;

import dev.sluice.auth.ApiKey;
import dev.sluice.routing.Protocol;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * An API key created through the admin API: its SHA-256 (never the secret), its account and what it may reach, when
 * it was created and when it expires. Immutable.
 *
 * @param models the models it may use in the order given, or null for every model
 * @param protocols the protocols it may use, or null for both
 * @param expiresAtMillis when it stops working (epoch ms), 0 for never
 */
public record RuntimeKey(String id, byte[] sha256, String account, String name, List<String> models,
        List<String> protocols, long createdAtMillis, long expiresAtMillis) {

    private static final HexFormat HEX = HexFormat.of();

    /** The key as the request path knows keys. */
    public ApiKey apiKey() {
        Set<Protocol> allowed = null;
        if (protocols != null) {
            allowed = new LinkedHashSet<>();
            for (String protocol : protocols) {
                allowed.add(Protocol.parse(protocol));
            }
        }
        return new ApiKey(sha256, HEX.formatHex(sha256, 0, 6), account, models == null ? null : Set.copyOf(models),
                allowed == null ? null : Set.copyOf(allowed));
    }

    /** The key object of the admin API (contract §10.1): never the secret nor its hash; absent fields omitted. */
    public JsonObject toJson() {
        JsonObject json = what(new JsonObject().put("id", id).put("object", "key").put("account", account));
        json.put("created_at", Instant.ofEpochMilli(createdAtMillis).toString());
        if (expiresAtMillis != 0) {
            json.put("expires_at", Instant.ofEpochMilli(expiresAtMillis).toString());
        }
        return json;
    }

    /** The form kept in the store (the hash, not the secret). */
    JsonObject toStored() {
        JsonObject json = what(new JsonObject().put("id", id).put("sha256", HEX.formatHex(sha256)).put("account", account)
                .put("created_at", createdAtMillis));
        if (expiresAtMillis != 0) {
            json.put("expires_at", expiresAtMillis);
        }
        return json;
    }

    /** Adds the fields the key has of its name, models and protocols. */
    private JsonObject what(JsonObject json) {
        if (name != null) {
            json.put("name", name);
        }
        if (models != null) {
            json.put("models", new JsonArray(models));
        }
        if (protocols != null) {
            json.put("protocols", new JsonArray(protocols));
        }
        return json;
    }

    /** Reads an entry of the store; throws IllegalArgumentException naming the field that cannot be read. */
    static RuntimeKey fromStored(JsonObject json) {
        StoredFields fields = new StoredFields(json);
        String hex = fields.requiredString("sha256");
        byte[] sha256;
        try {
            sha256 = HEX.parseHex(hex);
        } catch (IllegalArgumentException notHex) {
            throw fields.wrong("sha256", "a SHA-256 in hex");
        }
        if (sha256.length != 32) {
            throw fields.wrong("sha256", "a SHA-256 in hex");
        }
        List<String> protocols = fields.strings("protocols");
        if (protocols != null) {
            for (String protocol : protocols) {
                try {
                    Protocol.parse(protocol);
                } catch (IllegalArgumentException unknown) {
                    throw fields.wrong("protocols", "a list of openai and anthropic");
                }
            }
        }
        return new RuntimeKey(fields.requiredString("id"), sha256, fields.requiredString("account"),
                fields.string("name").orElse(null), fields.strings("models"), protocols,
                fields.whole("created_at").orElse(0L), fields.whole("expires_at").orElse(0L));
    }
}
