package dev.sluice.auth;

import dev.sluice.config.ConfigProblems;
import dev.sluice.config.SluiceConfig;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * The keys of the admin API ({@code sluice.admin.keys}): kept as SHA-256 only, compared in constant time. Admin keys
 * are not API keys: the request path never consults them.
 *
 * <p>Immutable and thread-safe.
 */
public final class AdminKeys {

    private final List<byte[]> hashes;

    private AdminKeys(List<byte[]> hashes) {
        this.hashes = hashes;
    }

    /**
     * @param apiKeys the file's API keys: a secret may not be both (an admin key is no API key, contract §10.1; one
     *     secret for both would be answered as whichever is looked up first)
     */
    public static AdminKeys build(List<SluiceConfig.AdminKey> keys, KeyRing apiKeys, ConfigProblems problems) {
        List<byte[]> hashes = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            SluiceConfig.AdminKey key = keys.get(i);
            String path = "sluice.admin.keys[" + i + "]";
            byte[] hash = KeyRing.configuredHash(key.sha256(), key.key(), path, problems);
            if (hash != null) {
                if (apiKeys.find(hash) != null) {
                    problems.add(path, "is also an API key of sluice.keys; give the admin API a key of its own");
                }
                hashes.add(hash);
            }
        }
        return new AdminKeys(List.copyOf(hashes));
    }

    /** True when at least one admin key is configured: the admin API is served. */
    public boolean enabled() {
        return !hashes.isEmpty();
    }

    /** True when {@code presented} is one of the admin keys. Every configured hash is compared, in constant time. */
    public boolean matches(String presented) {
        if (presented == null) {
            return false;
        }
        byte[] hash = KeyRing.sha256(presented);
        boolean found = false;
        for (byte[] candidate : hashes) {
            found |= MessageDigest.isEqual(candidate, hash);
        }
        return found;
    }
}
