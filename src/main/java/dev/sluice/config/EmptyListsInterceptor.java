package dev.sluice.config;

import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.Priorities;
import jakarta.annotation.Priority;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Reads an empty list of keys ({@code keys: []}, how a user writes "none") as no keys. A YAML source gives such a list
 * as one property with an empty value, which a list of groups cannot take: without this, start-up and reload stopped
 * on SmallRye's "SRCFG00050: sluice.admin.keys … does not map to any root".
 *
 * <p>Across files it counts as a list like any other: a non-empty list in the file that wins (the higher ordinal,
 * {@code quarkus.config.locations} over {@code SLUICE_CONFIG}) replaces the other's, and so does an empty one, whose
 * lower-ordinal entries are hidden here (else {@code admin: {keys: []}} in {@code keys.yaml} left the admin API of
 * {@code sluice.yaml} on).
 */
@Priority(Priorities.LIBRARY + 1000)
public class EmptyListsInterceptor implements ConfigSourceInterceptor {

    /** The lists of groups of the configuration (lists of plain values take an empty value as empty already). */
    static final Set<String> LISTS_OF_GROUPS = Set.of("sluice.keys", "sluice.admin.keys");

    @Override
    public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
        ConfigValue value = context.proceed(name);
        if (value == null) {
            return null;
        }
        if (LISTS_OF_GROUPS.contains(name)) {
            return empty(value) ? null : value;
        }
        String list = listOf(name);
        return list != null && hiddenByAnEmptyList(context, list, value) ? null : value;
    }

    @Override
    public Iterator<String> iterateNames(ConfigSourceInterceptorContext context) {
        List<String> names = new ArrayList<>();
        context.iterateNames().forEachRemaining(name -> {
            // only the lists and their entries are looked up: looking up every name (the environment's and the
            // system properties' included) took 11-14 ms of the main thread's CPU at each start, and at each reload
            boolean kept;
            if (LISTS_OF_GROUPS.contains(name)) {
                kept = !empty(context.proceed(name));
            } else {
                String list = listOf(name);
                kept = list == null || !hiddenByAnEmptyList(context, list, context.proceed(name));
            }
            if (kept) {
                names.add(name);
            }
        });
        return names.iterator();
    }

    /** The list of groups {@code name} is an entry of ({@code sluice.keys[0].key}: {@code sluice.keys}), or null. */
    private static String listOf(String name) {
        for (String list : LISTS_OF_GROUPS) {
            if (name.startsWith(list) && name.length() > list.length() && name.charAt(list.length()) == '[') {
                return list;
            }
        }
        return null;
    }

    /** Whether {@code value}, an entry of {@code list}, is hidden by a source of a higher ordinal declaring it empty. */
    private static boolean hiddenByAnEmptyList(ConfigSourceInterceptorContext context, String list, ConfigValue value) {
        ConfigValue declared = context.proceed(list);
        return declared != null && empty(declared) && value != null
                && value.getConfigSourceOrdinal() < declared.getConfigSourceOrdinal();
    }

    private static boolean empty(ConfigValue value) {
        return value == null || value.getValue() == null || value.getValue().isBlank();
    }
}
