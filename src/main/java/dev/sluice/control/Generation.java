package dev.sluice.control;

import dev.sluice.auth.ApiKey;
import dev.sluice.auth.KeyRing;
import dev.sluice.config.ConfigProblems;
import dev.sluice.limits.AccountLimits;
import dev.sluice.limits.Accounts;
import dev.sluice.routing.Catalog;
import io.vertx.core.MultiMap;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;

/**
 * One consistent picture of what the proxy serves: the configuration file's catalogue, keys and accounts, with the
 * keys and accounts created through the admin API. A request takes the current generation when it starts and keeps
 * it to its end, so that a reload or an admin change never changes a request under way (contract §10.2).
 *
 * <p>Immutable and thread-safe; a new generation replaces it as a whole ({@link ControlPlane}).
 */
public final class Generation {

    private final long number;
    private final FileSetup file;
    private final RuntimeState runtime;
    /** Runtime keys whose account exists, by the first 8 bytes of their SHA-256. */
    private final Map<Long, Known> runtimeKeys;
    /** Every account, the file's first, with the balance of those given credits at run time. */
    private final Map<String, AccountLimits> accounts;

    Generation(long number, FileSetup file, RuntimeState runtime) {
        this.number = number;
        this.file = file;
        this.runtime = runtime;
        Map<String, AccountLimits> all = new HashMap<>();
        runtime.accounts().forEach((name, account) -> all.put(name, Accounts.account(name, account, file.plans(),
                file.defaultWindow(), "account " + name, new ConfigProblems())));
        all.putAll(file.accounts().byName());
        for (String name : runtime.credited()) {
            AccountLimits limits = all.get(name);
            if (limits != null && limits.credits() == null) {
                all.put(name, limits.withCredits(0));
            }
        }
        this.accounts = Map.copyOf(all);
        Map<Long, Known> keys = new HashMap<>();
        for (RuntimeKey key : runtime.keys().values()) {
            if (accounts.containsKey(key.account())) {
                keys.put(KeyRing.prefix(key.sha256()), new Known(key.apiKey(), key.expiresAtMillis()));
            }
        }
        this.runtimeKeys = Map.copyOf(keys);
    }

    /** Counts the generations of this process: 1 at start-up, then one more at every change. */
    public long number() {
        return number;
    }

    public Catalog catalog() {
        return file.catalog();
    }

    public FileSetup file() {
        return file;
    }

    public RuntimeState runtime() {
        return runtime;
    }

    /**
     * The key presented in {@code Authorization: Bearer …} or {@code x-api-key}: one of the file's, else a runtime
     * key not past its expiry whose account exists; null when missing, malformed or unknown. Hashed once, compared in
     * constant time; no store is asked.
     */
    public ApiKey authenticate(MultiMap headers) {
        String presented = KeyRing.presentedKey(headers);
        if (presented == null) {
            return null;
        }
        byte[] hash = KeyRing.sha256(presented);
        ApiKey key = file.keys().find(hash);
        if (key != null || runtimeKeys.isEmpty()) {
            return key;
        }
        Known candidate = runtimeKeys.get(KeyRing.prefix(hash));
        if (candidate == null || !MessageDigest.isEqual(candidate.key().sha256(), hash)
                || (candidate.expiresAtMillis() != 0 && System.currentTimeMillis() >= candidate.expiresAtMillis())) {
            return null;
        }
        return candidate.key();
    }

    /** A runtime key as the request path needs it, built once per generation. */
    private record Known(ApiKey key, long expiresAtMillis) {
    }

    /** The account's limits (of the file, or created at run time), or null when there is no such account. */
    public AccountLimits account(String name) {
        return name == null ? null : accounts.get(name);
    }

    /** True for an account of the configuration file (read-only in the admin API). */
    public boolean fileAccount(String name) {
        return file.accounts().get(name) != null;
    }
}
