package dev.sluice.auth;

import dev.sluice.routing.Protocol;
import java.util.Set;

/**
 * A known API key: the account it belongs to and what it may reach. Holds only the key's SHA-256, never the key.
 *
 * @param fingerprint the first 12 hex digits of the key's SHA-256, safe for logs
 * @param models the models the key may use, or null for every model
 * @param protocols the protocols the key may use, or null for both
 */
public record ApiKey(byte[] sha256, String fingerprint, String account, Set<String> models, Set<Protocol> protocols) {

    public boolean allows(Protocol protocol) {
        return protocols == null || protocols.contains(protocol);
    }

    public boolean allowsModel(String model) {
        return models == null || models.contains(model);
    }
}
