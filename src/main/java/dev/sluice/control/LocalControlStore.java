package dev.sluice.control;

import io.vertx.core.Future;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/** Runtime keys and accounts kept in this instance ({@code limits.store: local}): lost at restart. Thread-safe. */
public final class LocalControlStore implements ControlStore {

    private final ControlPlane control;
    private RuntimeState state = RuntimeState.EMPTY;

    public LocalControlStore(ControlPlane control) {
        this.control = control;
    }

    @Override
    public Future<Void> start() {
        return Future.succeededFuture();
    }

    @Override
    public Future<Void> createKey(RuntimeKey key) {
        change(keys -> {
            keys.put(key.id(), key);
            return keys;
        }, null, null);
        return Future.succeededFuture();
    }

    @Override
    public synchronized Future<Boolean> deleteKey(String id) {
        if (!state.keys().containsKey(id)) {
            return Future.succeededFuture(false);
        }
        change(keys -> {
            keys.remove(id);
            return keys;
        }, null, null);
        return Future.succeededFuture(true);
    }

    @Override
    public Future<Void> putAccount(RuntimeAccount account) {
        change(null, accounts -> {
            accounts.put(account.name(), account);
            return accounts;
        }, null);
        return Future.succeededFuture();
    }

    @Override
    public synchronized Future<Boolean> deleteAccount(String name) {
        if (!state.accounts().containsKey(name)) {
            return Future.succeededFuture(false);
        }
        change(keys -> {
            keys.values().removeIf(key -> key.account().equals(name));
            return keys;
        }, accounts -> {
            accounts.remove(name);
            return accounts;
        }, credited -> {
            credited.remove(name);
            return credited;
        });
        return Future.succeededFuture(true);
    }

    @Override
    public Future<Void> markCredited(String account) {
        change(null, null, credited -> {
            credited.add(account);
            return credited;
        });
        return Future.succeededFuture();
    }

    private synchronized void change(UnaryOperator<Map<String, RuntimeKey>> keys,
            UnaryOperator<Map<String, RuntimeAccount>> accounts, UnaryOperator<Set<String>> credited) {
        RuntimeState next = new RuntimeState(state.version() + 1,
                keys == null ? state.keys() : keys.apply(new LinkedHashMap<>(state.keys())),
                accounts == null ? state.accounts() : accounts.apply(new LinkedHashMap<>(state.accounts())),
                credited == null ? state.credited() : credited.apply(new HashSet<>(state.credited())));
        state = next;
        control.runtime(next);
    }

    @Override
    public void close() {
    }
}
