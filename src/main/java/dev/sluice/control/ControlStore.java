package dev.sluice.control;

import io.vertx.core.Future;

/**
 * Where the runtime keys and accounts live (contract §10.1): in this instance ({@code limits.store: local}) or in
 * Redis, shared by every instance ({@code store: redis}). Every change completes once this instance's
 * {@link ControlPlane} shows it; other instances see it within 2 s. Checking a key never asks the store: the request
 * path reads the in-process {@link Generation}.
 *
 * <p>Thread-safe; never blocks; its futures may complete on any event loop.
 */
public interface ControlStore {

    /** Loads what the store holds and starts following its changes. */
    Future<Void> start();

    Future<Void> createKey(RuntimeKey key);

    /** False when there is no such key. */
    Future<Boolean> deleteKey(String id);

    /** Creates or replaces the account. */
    Future<Void> putAccount(RuntimeAccount account);

    /** Deletes the account and every runtime key of it; false when there is no such account. */
    Future<Boolean> deleteAccount(String name);

    /** Records that the account has a credit balance (it was given credits), so that admission counts it. */
    Future<Void> markCredited(String account);

    void close();
}
