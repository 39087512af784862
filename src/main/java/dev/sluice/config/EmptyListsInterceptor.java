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
        return hiddenByAnEmptyList(context, name, value) ? null : value;
    }

    @Override
    public Iterator<String> iterateNames(ConfigSourceInterceptorContext context) {
        List<String> names = new ArrayList<>();
        context.iterateNames().forEachRemaining(name -> {
            if (LISTS_OF_GROUPS.contains(name) ? !empty(context.proceed(name))
                    : !hiddenByAnEmptyList(context, name, context.proceed(name))) {
                names.add(name);
            }
        });
        return names.iterator();
    }

    /** Whether {@code name} is an entry of a list that a source of a higher ordinal declares empty. */
    private static boolean hiddenByAnEmptyList(ConfigSourceInterceptorContext context, String name, ConfigValue value) {
        for (String list : LISTS_OF_GROUPS) {
            if (name.startsWith(list) && name.length() > list.length() && name.charAt(list.length()) == '[') {
                ConfigValue declared = context.proceed(list);
                return declared != null && empty(declared) && value != null
                        && value.getConfigSourceOrdinal() < declared.getConfigSourceOrdinal();
            }
        }
        return false;
    }

    private static boolean empty(ConfigValue value) {
        return value == null || value.getValue() == null || value.getValue().isBlank();
    }
}
