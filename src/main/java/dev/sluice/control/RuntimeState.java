package dev.sluice.control;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Everything the admin API created, as one store holds it at one moment: runtime keys by id, runtime accounts by
 * name, the accounts that were given credits (and so have a balance), and the store's version of it all. Immutable.
 */
public record RuntimeState(long version, Map<String, RuntimeKey> keys, Map<String, RuntimeAccount> accounts,
        Set<String> credited) {

    public static final RuntimeState EMPTY = new RuntimeState(0, Map.of(), Map.of(), Set.of());

    public RuntimeState {
        keys = Collections.unmodifiableMap(new LinkedHashMap<>(keys));
        accounts = Collections.unmodifiableMap(new LinkedHashMap<>(accounts));
        credited = Set.copyOf(credited);
    }
}
