package dev.sluice.auth;

import dev.sluice.config.ConfigProblems;
import dev.sluice.config.SluiceConfig;
import dev.sluice.routing.Protocol;
import io.netty.util.concurrent.FastThreadLocal;
import io.vertx.core.MultiMap;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The configured API keys, by SHA-256. A presented key is hashed, looked up by the first bytes of its hash and
 * compared in full in constant time; plaintext keys from configuration are hashed at start-up and then forgotten.
 *
 * <p>Immutable and thread-safe.
 */
public final class KeyRing {

    private static final HexFormat HEX = HexFormat.of();
    /**
     * One digest per thread (digest() resets it): looking SHA-256 up in the security providers for every request
     * showed in the request path's profile. A Netty {@link FastThreadLocal}: an array slot on an event loop.
     */
    private static final FastThreadLocal<MessageDigest> SHA_256 = new FastThreadLocal<>() {
        @Override
        protected MessageDigest initialValue() throws NoSuchAlgorithmException {
            return MessageDigest.getInstance("SHA-256");
        }
    };

    private final Map<Long, ApiKey> byPrefix;

    private KeyRing(Map<Long, ApiKey> byPrefix) {
        this.byPrefix = byPrefix;
    }

    /**
     * Builds the ring from {@code sluice.keys}, adding problems (key paths named) for keys without a secret, with a
     * malformed hash, naming an unknown account or an unknown protocol.
     */
    public static KeyRing build(List<SluiceConfig.Key> keys, Set<String> accounts, Set<String> models,
            ConfigProblems problems) {
        Map<Long, ApiKey> byPrefix = new HashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            SluiceConfig.Key key = keys.get(i);
            String path = "sluice.keys[" + i + "]";
            byte[] hash = configuredHash(key.sha256(), key.key(), path, problems);
            if (hash == null) {
                continue;
            }
            if (!accounts.contains(key.account())) {
                problems.add(path + ".account", "names unknown account '" + key.account() + "'");
            }
            Set<String> allowedModels = key.models().map(LinkedHashSet::new).orElse(null);
            if (allowedModels != null) {
                for (String model : allowedModels) {
                    if (!models.contains(model)) {
                        problems.add(path + ".models", "names unknown model '" + model + "'");
                    }
                }
            }
            Set<Protocol> protocols = null;
            if (key.protocols().isPresent()) {
                protocols = new LinkedHashSet<>();
                for (String protocol : key.protocols().get()) {
                    try {
                        protocols.add(Protocol.parse(protocol));
                    } catch (IllegalArgumentException e) {
                        problems.add(path + ".protocols", "unknown protocol '" + protocol + "' (expected openai or anthropic)");
                    }
                }
            }
            ApiKey apiKey = new ApiKey(hash, HEX.formatHex(hash, 0, 6), key.account(),
                    allowedModels == null ? null : Set.copyOf(allowedModels), protocols == null ? null : Set.copyOf(protocols));
            if (byPrefix.putIfAbsent(prefix(hash), apiKey) != null) {
                problems.add(path, "the same key is configured twice");
            }
        }
        return new KeyRing(byPrefix);
    }

    /**
     * The SHA-256 of a configured key, given by its hash ({@code sha256}) or in plain text ({@code key}); null, with
     * the problem added under {@code path}, when neither is usable.
     */
    static byte[] configuredHash(java.util.Optional<String> sha256, java.util.Optional<String> key, String path,
            ConfigProblems problems) {
        if (sha256.isPresent()) {
            String hex = sha256.get().trim().toLowerCase(java.util.Locale.ROOT);
            if (!hex.matches("[0-9a-f]{64}")) {
                problems.add(path + ".sha256", "must be 64 hexadecimal digits");
                return null;
            }
            return HEX.parseHex(hex);
        }
        if (key.isPresent() && !key.get().isEmpty()) {
            return sha256(key.get());
        }
        problems.add(path, "needs sha256 or key");
        return null;
    }

    /**
     * The key presented in {@code Authorization: Bearer …} or, when that header is absent, {@code x-api-key}; null
     * when missing, malformed or unknown.
     */
    public ApiKey authenticate(MultiMap headers) {
        String presented = presentedKey(headers);
        if (presented == null) {
            return null;
        }
        return find(sha256(presented));
    }

    /** The key whose SHA-256 is {@code hash} (compared in constant time), or null. */
    public ApiKey find(byte[] hash) {
        ApiKey candidate = byPrefix.get(prefix(hash));
        return candidate != null && MessageDigest.isEqual(candidate.sha256(), hash) ? candidate : null;
    }

    /** Every key of the ring, in no particular order (the admin API's view of the file's keys). */
    public java.util.Collection<ApiKey> all() {
        return java.util.Collections.unmodifiableCollection(byPrefix.values());
    }

    /**
     * The key as presented, from {@code authorization} ({@code Bearer …}) or else {@code x-api-key}; null if none, or
     * when the header it comes from is sent more than once with different values ({@link #conflicting}).
     */
    public static String presentedKey(MultiMap headers) {
        String authorization = only(headers, "authorization");
        if (authorization != null) {
            return authorization == CONFLICT ? null : bearer(authorization);
        }
        String apiKey = only(headers, "x-api-key");
        return apiKey == null || apiKey == CONFLICT || apiKey.isBlank() ? null : apiKey.trim();
    }

    /**
     * The header a key would be read from when the request sends it more than once with different values, or null.
     * Which of two keys the client meant is not for the proxy to guess (one account or another would be charged):
     * the request is refused as a malformed key would be.
     */
    public static String conflicting(MultiMap headers) {
        String authorization = only(headers, "authorization");
        if (authorization != null) {
            return authorization == CONFLICT ? "authorization" : null;
        }
        return only(headers, "x-api-key") == CONFLICT ? "x-api-key" : null;
    }

    /** A header's value sent more than once, not all alike (compared by identity). */
    private static final String CONFLICT = new String("conflicting values");

    /**
     * The header's value, the same key however often it is sent; {@link #CONFLICT} when the keys differ; null if
     * absent. Two {@code authorization} values are alike when they carry one bearer token, whatever the scheme's case
     * ({@code Bearer k} and {@code bearer k}).
     */
    private static String only(MultiMap headers, String name) {
        String first = headers.get(name);
        if (first == null) {
            return null;
        }
        java.util.List<String> all = headers.getAll(name);
        for (int i = 1; i < all.size(); i++) {
            String other = all.get(i);
            if (!other.trim().equals(first.trim()) && !sameBearerToken(name, first, other)) {
                return CONFLICT;
            }
        }
        return first;
    }

    private static boolean sameBearerToken(String name, String one, String other) {
        if (!"authorization".equals(name)) {
            return false;
        }
        String token = bearer(one);
        return token != null && token.equals(bearer(other));
    }

    /** The admin key presented in {@code Authorization: Bearer …}, or null (absent, malformed, sent twice unlike). */
    public static String presentedAdminKey(MultiMap headers) {
        String authorization = only(headers, "authorization");
        return authorization == CONFLICT ? null : bearer(authorization);
    }

    /** The token of an {@code Authorization: Bearer …} value, or null when it is none. */
    public static String bearer(String authorization) {
        if (authorization == null) {
            return null;
        }
        String value = authorization.trim();
        if (value.length() > 7 && value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String key = value.substring(7).trim();
            return key.isEmpty() ? null : key;
        }
        return null;
    }

    public static byte[] sha256(String key) {
        return SHA_256.get().digest(key.getBytes(StandardCharsets.UTF_8));
    }

    /** The first 8 bytes of a SHA-256, the lookup index of a key (never the whole hash). */
    public static long prefix(byte[] hash) {
        long prefix = 0;
        for (int i = 0; i < 8; i++) {
            prefix = (prefix << 8) | (hash[i] & 0xFF);
        }
        return prefix;
    }
}
