package dev.sluice.limits;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A value derived from an account's limits alone (a script's arguments, a header), written once per limits rather than
 * on every request. Keyed by the {@link AccountLimits} record: equal limits share an entry, changed limits get their
 * own. Bounded: past {@value #MAX_ENTRIES} entries (accounts changed many times at run time) it starts over rather
 * than grow. Thread-safe.
 */
final class PerLimits<V> {

    static final int MAX_ENTRIES = 100_000;

    private final Map<AccountLimits, V> values = new ConcurrentHashMap<>();
    private final Function<AccountLimits, V> derive;

    PerLimits(Function<AccountLimits, V> derive) {
        this.derive = derive;
    }

    V get(AccountLimits limits) {
        V value = values.get(limits);
        if (value == null) {
            if (values.size() >= MAX_ENTRIES) {
                values.clear();
            }
            value = derive.apply(limits);
            values.put(limits, value);
        }
        return value;
    }
}
