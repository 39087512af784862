package dev.sluice.deploy;

import dev.sluice.config.SluiceConfig;
import io.smallrye.config.WithName;
import io.smallrye.config.common.utils.StringUtil;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The configuration keys Sluice really reads: the properties of the {@link SluiceConfig} mapping, named the way
 * SmallRye Config names them (kebab case, or {@link WithName}). Checks a parsed sluice.yaml against them, the way the
 * application does at start-up (an unknown key under {@code sluice.} stops it), and checks the chart's values schema
 * against them.
 */
final class SluiceConfigKeys {

    /** Quarkus' own keys that a deployment's sluice.yaml may set. */
    private static final Set<String> QUARKUS_KEYS = Set.of("quarkus.redis.hosts", "quarkus.redis.client-type",
            "quarkus.redis.master-name");

    private SluiceConfigKeys() {
    }

    /** The key paths of a whole sluice.yaml document that Sluice does not know; empty when every key is known. */
    static List<String> unknownKeys(Object document) {
        List<String> problems = new ArrayList<>();
        if (!(document instanceof Map<?, ?> root)) {
            problems.add("(document): not a mapping");
            return problems;
        }
        for (Map.Entry<?, ?> entry : root.entrySet()) {
            String key = String.valueOf(entry.getKey());
            if (key.equals("sluice")) {
                walk(entry.getValue() == null ? Map.of() : entry.getValue(), SluiceConfig.class, "sluice", problems);
            } else if (key.equals("quarkus")) {
                flatten(entry.getValue(), "quarkus").stream().filter(path -> !QUARKUS_KEYS.contains(path))
                        .forEach(path -> problems.add(path + ": not a key this deployment sets"));
            } else {
                problems.add(key + ": unknown top-level key");
            }
        }
        return problems;
    }

    /** The properties of a configuration group: SmallRye name to type. */
    static Map<String, Type> properties(Class<?> group) {
        Map<String, Type> properties = new TreeMap<>();
        for (Method method : group.getMethods()) {
            if (method.getParameterCount() == 0 && !method.isDefault() && !Modifier.isStatic(method.getModifiers())) {
                properties.put(propertyName(method), method.getGenericReturnType());
            }
        }
        return properties;
    }

    static String propertyName(Method method) {
        WithName name = method.getAnnotation(WithName.class);
        return name != null ? name.value() : StringUtil.skewer(method.getName());
    }

    private static void walk(Object node, Type type, String path, List<String> problems) {
        if (type instanceof ParameterizedType parameterized) {
            Class<?> raw = (Class<?>) parameterized.getRawType();
            Type argument = parameterized.getActualTypeArguments()[parameterized.getActualTypeArguments().length - 1];
            if (raw == Optional.class) {
                walk(node, argument, path, problems);
            } else if (Collection.class.isAssignableFrom(raw)) {
                if (node instanceof List<?> list) {
                    for (int i = 0; i < list.size(); i++) {
                        walk(list.get(i), argument, path + "[" + i + "]", problems);
                    }
                } else if (isGroup(argument) || node instanceof Map) {
                    problems.add(path + ": expected a list");
                }
            } else if (Map.class.isAssignableFrom(raw)) {
                if (node instanceof Map<?, ?> map) {
                    map.forEach((key, value) -> walk(value, argument, path + "." + key, problems));
                } else {
                    problems.add(path + ": expected a mapping");
                }
            }
            return;
        }
        if (isGroup(type)) {
            if (!(node instanceof Map<?, ?> map)) {
                problems.add(path + ": expected a mapping");
                return;
            }
            Map<String, Type> properties = properties((Class<?>) type);
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                String key = String.valueOf(entry.getKey());
                Type property = properties.get(key);
                if (property == null) {
                    problems.add(path + "." + key + ": unknown key (known: " + properties.keySet() + ")");
                } else {
                    walk(entry.getValue(), property, path + "." + key, problems);
                }
            }
            return;
        }
        if (node instanceof Map || node instanceof List) {
            problems.add(path + ": expected a single value");
        }
    }

    /** A configuration group: one of the mapping's own interfaces. */
    private static boolean isGroup(Type type) {
        return type instanceof Class<?> c && c.isInterface() && c.getName().startsWith(SluiceConfig.class.getName());
    }

    private static boolean isLeaf(Type type) {
        return type == OptionalInt.class || type == OptionalLong.class || type == OptionalDouble.class
                || !(type instanceof ParameterizedType) && !isGroup(type);
    }

    private static List<String> flatten(Object node, String path) {
        List<String> paths = new ArrayList<>();
        if (node instanceof Map<?, ?> map) {
            map.forEach((key, value) -> paths.addAll(flatten(value, path + "." + key)));
        } else {
            paths.add(path);
        }
        return paths;
    }

    // ------------------------------------------------------------------ the chart's values schema

    /**
     * Where the JSON schema of the chart's {@code config} value and the mapping disagree: a property the schema
     * allows that Sluice does not read, or a property Sluice reads that the schema would reject. {@code excluded}
     * names mapping properties the schema leaves out on purpose (e.g. {@code sluice.keys}, which the chart takes
     * elsewhere).
     */
    static List<String> schemaMismatches(Map<String, Object> schemaRoot, Map<String, Object> configSchema,
            Set<String> excluded) {
        List<String> problems = new ArrayList<>();
        compare(schemaRoot, configSchema, SluiceConfig.class, "sluice", excluded, problems);
        return problems;
    }

    private static void compare(Map<String, Object> root, Map<String, Object> schema, Type type, String path,
            Set<String> excluded, List<String> problems) {
        Map<String, Object> resolved = resolve(root, schema);
        if (type instanceof ParameterizedType parameterized) {
            Class<?> raw = (Class<?>) parameterized.getRawType();
            Type argument = parameterized.getActualTypeArguments()[parameterized.getActualTypeArguments().length - 1];
            if (raw == Optional.class) {
                compare(root, resolved, argument, path, excluded, problems);
            } else if (Collection.class.isAssignableFrom(raw) && isGroup(argument)) {
                compare(root, Manifests.map(resolved, "items"), argument, path + "[]", excluded, problems);
            } else if (Map.class.isAssignableFrom(raw) && !isLeaf(argument)) {
                Object values = resolved.get("additionalProperties");
                if (values instanceof Map<?, ?> valueSchema) {
                    compare(root, Manifests.cast(valueSchema), argument, path + ".*", excluded, problems);
                } else {
                    problems.add(path + ": the schema does not describe the entries of this map");
                }
            }
            return;
        }
        if (!isGroup(type)) {
            return;
        }
        Map<String, Object> described = Manifests.map(resolved, "properties");
        if (described == null) {
            problems.add(path + ": the schema does not list the properties of this group");
            return;
        }
        Map<String, Type> properties = properties((Class<?>) type);
        Set<String> names = new TreeSet<>(properties.keySet());
        names.addAll(described.keySet());
        for (String name : names) {
            String at = path + "." + name;
            if (excluded.contains(at)) {
                continue;
            }
            if (!properties.containsKey(name)) {
                problems.add(at + ": in the schema, but Sluice does not read it");
            } else if (!described.containsKey(name)) {
                problems.add(at + ": read by Sluice, but missing from the schema");
            } else {
                compare(root, Manifests.cast(described.get(name)), properties.get(name), at, excluded, problems);
            }
        }
    }

    /** Follows {@code $ref: #/definitions/...} (and the first {@code allOf} member that holds one). */
    private static Map<String, Object> resolve(Map<String, Object> root, Map<String, Object> schema) {
        Map<String, Object> current = schema;
        while (current != null && current.get("$ref") instanceof String ref) {
            current = Manifests.map(root, ref.substring(2).replace('/', '.'));
        }
        return current == null ? Map.of() : current;
    }
}
