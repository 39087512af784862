package dev.sluice.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.yaml.snakeyaml.Yaml;

/**
 * Kubernetes objects parsed from YAML (plain manifests or a rendered chart), and the checks that every Sluice
 * deployment must pass whichever way it was written.
 */
final class Manifests {

    static final int HTTP_PORT = 8080;
    /** Quarkus' management interface: health and metrics, never on {@link #HTTP_PORT}. */
    static final int MANAGEMENT_PORT = 9000;
    static final String LIVE = "/q/health/live";
    static final String READY = "/q/health/ready";

    private final List<Map<String, Object>> objects;

    private Manifests(List<Map<String, Object>> objects) {
        this.objects = objects;
    }

    /** Every document of {@code yaml} that is an object (empty documents, e.g. of a disabled template, are skipped). */
    static Manifests parse(String yaml) {
        List<Map<String, Object>> objects = new ArrayList<>();
        for (Object document : new Yaml().loadAll(yaml)) {
            if (document instanceof Map<?, ?> map) {
                objects.add(cast(map));
            } else if (document != null) {
                fail("a YAML document that is not an object: " + document);
            }
        }
        return new Manifests(objects);
    }

    static Manifests of(List<Manifests> parts) {
        return new Manifests(parts.stream().flatMap(part -> part.objects.stream()).toList());
    }

    List<Map<String, Object>> all() {
        return objects;
    }

    List<String> kinds() {
        return objects.stream().map(object -> (String) object.get("kind")).sorted().toList();
    }

    List<Map<String, Object>> ofKind(String kind) {
        return objects.stream().filter(object -> kind.equals(object.get("kind"))).toList();
    }

    /** The one object of {@code kind}; fails when there is none or more than one. */
    Map<String, Object> one(String kind) {
        List<Map<String, Object>> found = ofKind(kind);
        assertEquals(1, found.size(), () -> "objects of kind " + kind + " in " + kinds());
        return found.get(0);
    }

    Map<String, Object> named(String kind, String name) {
        return ofKind(kind).stream().filter(object -> name.equals(at(object, "metadata.name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " named " + name + " in " + names()));
    }

    Optional<Map<String, Object>> find(String kind, String name) {
        return ofKind(kind).stream().filter(object -> name.equals(at(object, "metadata.name"))).findFirst();
    }

    private List<String> names() {
        return objects.stream().map(object -> object.get("kind") + "/" + at(object, "metadata.name")).toList();
    }

    /** The workloads: Deployments, StatefulSets and bare Pods (e.g. Helm's test pod). */
    List<Map<String, Object>> workloads() {
        return objects.stream()
                .filter(object -> Stream.of("Deployment", "StatefulSet", "DaemonSet", "Job", "Pod")
                        .anyMatch(kind -> kind.equals(object.get("kind"))))
                .toList();
    }

    /** The pod spec of a workload (its template's, or the Pod's own). */
    static Map<String, Object> podSpec(Map<String, Object> workload) {
        return "Pod".equals(workload.get("kind")) ? map(workload, "spec") : map(workload, "spec.template.spec");
    }

    static Map<String, Object> podLabels(Map<String, Object> workload) {
        return "Pod".equals(workload.get("kind")) ? map(workload, "metadata.labels")
                : map(workload, "spec.template.metadata.labels");
    }

    /** The containers and init containers of a workload. */
    static List<Map<String, Object>> allContainers(Map<String, Object> workload) {
        Map<String, Object> spec = podSpec(workload);
        return Stream.concat(list(spec, "initContainers").stream(), list(spec, "containers").stream())
                .map(Manifests::cast).toList();
    }

    static Map<String, Object> container(Map<String, Object> workload, String name) {
        return allContainers(workload).stream().filter(container -> name.equals(container.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no container " + name + " in " + at(workload, "metadata.name")));
    }

    /** The value of an environment variable set as a literal, or null. */
    static String envValue(Map<String, Object> container, String name) {
        return env(container, name).map(entry -> (String) entry.get("value")).orElse(null);
    }

    static Optional<Map<String, Object>> env(Map<String, Object> container, String name) {
        return list(container, "env").stream().map(Manifests::cast).filter(entry -> name.equals(entry.get("name")))
                .findFirst();
    }

    static List<String> envNames(Map<String, Object> container) {
        return list(container, "env").stream().map(entry -> (String) cast(entry).get("name")).toList();
    }

    /** A container port by its name or number, as a number. */
    static int resolvePort(Map<String, Object> container, Object port) {
        if (port instanceof Integer number) {
            return number;
        }
        return list(container, "ports").stream().map(Manifests::cast).filter(entry -> port.equals(entry.get("name")))
                .map(entry -> (Integer) entry.get("containerPort")).findFirst()
                .orElseThrow(() -> new AssertionError("container " + container.get("name") + " has no port " + port));
    }

    // ------------------------------------------------------------------ checks shared by the chart and the manifests

    /**
     * A Sluice container: its proxy port 8080 first, its management port 9000, and startup and liveness probes on
     * /q/health/live, readiness on /q/health/ready, all on the management port (never on the proxy's).
     */
    static void assertSluiceProbes(Map<String, Object> container) {
        String name = (String) container.get("name");
        assertEquals(HTTP_PORT, resolvePort(container, at(list(container, "ports").get(0), "containerPort")),
                name + " port");
        assertTrue(list(container, "ports").stream().anyMatch(port -> Integer.valueOf(MANAGEMENT_PORT)
                .equals(at(port, "containerPort"))), name + " declares no management port " + MANAGEMENT_PORT);
        assertProbe(container, "startupProbe", LIVE);
        assertProbe(container, "livenessProbe", LIVE);
        assertProbe(container, "readinessProbe", READY);
    }

    private static void assertProbe(Map<String, Object> container, String probe, String path) {
        Map<String, Object> get = map(container, probe + ".httpGet");
        assertNotNull(get, () -> container.get("name") + " has no " + probe + ".httpGet");
        assertEquals(path, get.get("path"), () -> container.get("name") + " " + probe + " path");
        assertEquals(MANAGEMENT_PORT, resolvePort(container, get.get("port")),
                () -> container.get("name") + " " + probe);
    }

    /**
     * Every container of every workload runs as non-root, with a read-only root filesystem, no privilege escalation,
     * no capabilities and the runtime's default seccomp profile (the "restricted" Pod Security Standard).
     */
    static void assertRestricted(Manifests manifests) {
        assertFalse(manifests.workloads().isEmpty(), "no workload");
        for (Map<String, Object> workload : manifests.workloads()) {
            Map<String, Object> pod = map(podSpec(workload), "securityContext");
            for (Map<String, Object> container : allContainers(workload)) {
                String where = workload.get("kind") + "/" + at(workload, "metadata.name") + " container "
                        + container.get("name");
                Map<String, Object> own = map(container, "securityContext");
                assertNotNull(own, where + " has no securityContext");
                assertEquals(Boolean.TRUE, firstNonNull(own.get("runAsNonRoot"), at(pod, "runAsNonRoot")),
                        where + " runAsNonRoot");
                assertEquals(Boolean.TRUE, own.get("readOnlyRootFilesystem"), where + " readOnlyRootFilesystem");
                assertEquals(Boolean.FALSE, own.get("allowPrivilegeEscalation"), where + " allowPrivilegeEscalation");
                assertEquals(List.of("ALL"), at(own, "capabilities.drop"), where + " capabilities.drop");
                assertEquals("RuntimeDefault",
                        firstNonNull(at(own, "seccompProfile.type"), at(pod, "seccompProfile.type")),
                        where + " seccompProfile");
            }
        }
    }

    /** A Sluice pod mounts a writable emptyDir on /tmp (its root filesystem is read-only). */
    static void assertTmpIsEmptyDir(Map<String, Object> workload, Map<String, Object> container) {
        String volume = list(container, "volumeMounts").stream().map(Manifests::cast)
                .filter(mount -> "/tmp".equals(mount.get("mountPath"))).map(mount -> (String) mount.get("name"))
                .findFirst().orElseThrow(() -> new AssertionError(container.get("name") + " mounts nothing on /tmp"));
        Map<String, Object> source = volume(workload, volume);
        assertTrue(source.containsKey("emptyDir"), "/tmp is not an emptyDir: " + source);
    }

    static Map<String, Object> volume(Map<String, Object> workload, String name) {
        return list(podSpec(workload), "volumes").stream().map(Manifests::cast)
                .filter(volume -> name.equals(volume.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    /**
     * The file that {@code SLUICE_CONFIG} names is mounted from the {@code sluice.yaml} entry of a ConfigMap, and the
     * one that {@code QUARKUS_CONFIG_LOCATIONS} names from the {@code keys.yaml} entry of a Secret; answers the names
     * of that ConfigMap and that Secret.
     */
    static ConfigSources configSources(Map<String, Object> workload, Map<String, Object> container) {
        String config = envValue(container, "SLUICE_CONFIG");
        String keys = envValue(container, "QUARKUS_CONFIG_LOCATIONS");
        assertNotNull(config, "SLUICE_CONFIG is not set");
        assertNotNull(keys, "QUARKUS_CONFIG_LOCATIONS is not set");
        return new ConfigSources(mountedFrom(workload, container, config, "configMap", "sluice.yaml"),
                mountedFrom(workload, container, keys, "secret", "keys.yaml"));
    }

    record ConfigSources(String configMap, String secret) {
    }

    private static String mountedFrom(Map<String, Object> workload, Map<String, Object> container, String file,
            String sourceKind, String key) {
        for (Object entry : list(container, "volumeMounts")) {
            Map<String, Object> mount = cast(entry);
            String dir = ((String) mount.get("mountPath")).replaceAll("/$", "");
            if (!file.startsWith(dir + "/")) {
                continue;
            }
            String path = file.substring(dir.length() + 1);
            Map<String, Object> volume = volume(workload, (String) mount.get("name"));
            List<Map<String, Object>> sources = volume.containsKey("projected")
                    ? list(volume, "projected.sources").stream().map(Manifests::cast).toList()
                    : List.of(volume);
            for (Map<String, Object> source : sources) {
                Map<String, Object> of = map(source, sourceKind);
                if (of == null) {
                    continue;
                }
                for (Object item : list(of, "items")) {
                    if (path.equals(cast(item).get("path")) && key.equals(cast(item).get("key"))) {
                        return (String) Objects.requireNonNullElse(of.get("name"), of.get("secretName"));
                    }
                }
            }
        }
        throw new AssertionError(file + " is not mounted from the " + key + " entry of a " + sourceKind);
    }

    /** The {@code ${NAME}} and {@code ${NAME:default}} expressions of a configuration text. */
    static List<String> expressionNames(String text) {
        return java.util.regex.Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:[^}]*)?}").matcher(text).results()
                .map(match -> match.group(1)).distinct().collect(Collectors.toList());
    }

    // ------------------------------------------------------------------ navigation

    /** The value at a dotted path of maps, or null. */
    static Object at(Object node, String path) {
        Object current = node;
        for (String part : path.split("\\.")) {
            if (!(current instanceof Map<?, ?> map)) {
                return null;
            }
            current = map.get(part);
        }
        return current;
    }

    /** The entry {@code key} (which may hold dots, e.g. {@code sluice.yaml}) of the map at {@code path}, or null. */
    static Object entry(Object node, String path, String key) {
        Map<String, Object> map = map(node, path);
        return map == null ? null : map.get(key);
    }

    static Map<String, Object> map(Object node, String path) {
        Object value = at(node, path);
        return value instanceof Map<?, ?> map ? cast(map) : null;
    }

    static List<Object> list(Object node, String path) {
        Object value = at(node, path);
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list)) {
            throw new AssertionError(path + " is not a list: " + value);
        }
        return List.copyOf(list);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> cast(Object map) {
        return (Map<String, Object>) map;
    }

    private static Object firstNonNull(Object first, Object second) {
        return first != null ? first : second;
    }
}
