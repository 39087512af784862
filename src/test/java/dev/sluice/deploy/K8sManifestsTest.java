package dev.sluice.deploy;

import static dev.sluice.deploy.Manifests.at;
import static dev.sluice.deploy.Manifests.container;
import static dev.sluice.deploy.Manifests.env;
import static dev.sluice.deploy.Manifests.envNames;
import static dev.sluice.deploy.Manifests.envValue;
import static dev.sluice.deploy.Manifests.list;
import static dev.sluice.deploy.Manifests.map;
import static dev.sluice.deploy.Manifests.podSpec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.Yaml;

/** The plain manifests in k8s/: an edge deployment, its Redis, and a sidecar example. */
class K8sManifestsTest {

    static final Path K8S = Path.of("k8s");

    /** Every YAML file of one folder of k8s/, parsed. */
    static Manifests folder(String name) {
        try (Stream<Path> files = Files.list(K8S.resolve(name))) {
            List<Path> yaml = files.filter(file -> file.toString().endsWith(".yaml")).sorted().toList();
            assertFalse(yaml.isEmpty(), "no manifests in k8s/" + name);
            return Manifests.of(yaml.stream().map(K8sManifestsTest::parse).toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Manifests parse(Path file) {
        try {
            return Manifests.parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, Object> sluiceYaml(Map<String, Object> configMap) {
        return Manifests.cast(new Yaml().load((String) Manifests.entry(configMap, "data", "sluice.yaml")));
    }

    @Test
    void everyFileParsesAndEveryObjectIsNamed() throws IOException {
        try (Stream<Path> files = Files.walk(K8S)) {
            List<Path> yaml = files.filter(file -> file.toString().matches(".*\\.ya?ml$")).toList();
            assertFalse(yaml.isEmpty());
            for (Path file : yaml) {
                for (Map<String, Object> object : parse(file).all()) {
                    assertNotNull(object.get("apiVersion"), file + ": apiVersion");
                    assertNotNull(object.get("kind"), file + ": kind");
                    assertNotNull(at(object, "metadata.name"), file + ": metadata.name");
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"edge", "redis", "sidecar"})
    void eachFolderHasAReadme(String folder) {
        assertTrue(Files.isRegularFile(K8S.resolve(folder).resolve("README.md")));
        assertTrue(Files.isRegularFile(K8S.resolve("README.md")));
    }

    @Test
    void theEdgeHasEverythingTheProxyNeeds() {
        // when
        Manifests edge = folder("edge");

        // then
        assertEquals(List.of("ConfigMap", "Deployment", "Namespace", "PodDisruptionBudget", "Secret", "Service"),
                edge.kinds());
        Map<String, Object> deployment = edge.one("Deployment");
        Map<String, Object> sluice = container(deployment, "sluice");
        Manifests.assertSluiceProbes(sluice);
        Manifests.assertTmpIsEmptyDir(deployment, sluice);
        HelmChartTest.assertSelects(map(edge.one("Service"), "spec.selector"), deployment);
        HelmChartTest.assertSelects(map(edge.one("PodDisruptionBudget"), "spec.selector.matchLabels"), deployment);
        assertEquals(8080, Manifests.resolvePort(sluice,
                at(list(edge.one("Service"), "spec.ports").get(0), "targetPort")));
        assertEquals(1, list(edge.one("Service"), "spec.ports").size(), "health and metrics stay off the Service");
        assertEquals(String.valueOf(Manifests.MANAGEMENT_PORT),
                map(deployment, "spec.template.metadata.annotations").get("prometheus.io/port"),
                "Prometheus scrapes the management port");
        assertTrue((Integer) at(deployment, "spec.replicas") > (Integer) at(edge.one("PodDisruptionBudget"),
                "spec.minAvailable"), "the budget leaves room for a drain");
    }

    @ParameterizedTest
    @ValueSource(strings = {"edge", "redis", "sidecar"})
    void everyContainerRunsRestricted(String folder) {
        Manifests.assertRestricted(folder(folder));
    }

    @ParameterizedTest
    @ValueSource(strings = {"edge", "redis", "sidecar"})
    void everyObjectLivesInTheSameNamespace(String folder) {
        // the sidecar example goes into the application's namespace, the others into sluice
        String expected = folder.equals("sidecar") ? null : "sluice";
        for (Map<String, Object> object : folder(folder).all()) {
            if (!"Namespace".equals(object.get("kind"))) {
                assertEquals(expected, at(object, "metadata.namespace"), at(object, "metadata.name") + " namespace");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"edge", "sidecar"})
    void theConfigMapsSluiceYamlUsesOnlyKeysSluiceKnows(String folder) {
        // given
        Manifests manifests = folder(folder);

        // then
        assertEquals(List.of(), SluiceConfigKeys.unknownKeys(sluiceYaml(manifests.one("ConfigMap"))));
        Object keys = new Yaml().load((String) Manifests.entry(manifests.one("Secret"), "stringData", "keys.yaml"));
        assertEquals(List.of(), SluiceConfigKeys.unknownKeys(keys));
        assertFalse(list(keys, "sluice.keys").isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"edge", "sidecar"})
    void sluiceReadsTheConfigMapAndTheKeysFromTheSecret(String folder) {
        // given
        Manifests manifests = folder(folder);
        Map<String, Object> deployment = manifests.one("Deployment");
        Map<String, Object> sluice = container(deployment, "sluice");

        // when
        Manifests.ConfigSources sources = Manifests.configSources(deployment, sluice);

        // then
        assertEquals(at(manifests.one("ConfigMap"), "metadata.name"), sources.configMap());
        assertEquals(at(manifests.one("Secret"), "metadata.name"), sources.secret());
    }

    @ParameterizedTest
    @ValueSource(strings = {"edge", "sidecar"})
    void everySecretReferenceNamesAnEntryOfTheSecret(String folder) {
        // given
        Manifests manifests = folder(folder);
        Map<String, Object> secret = manifests.one("Secret");
        Map<String, Object> entries = map(secret, "stringData");

        // then
        int references = 0;
        for (Map<String, Object> container : Manifests.allContainers(manifests.one("Deployment"))) {
            for (Object entry : list(container, "env")) {
                Map<String, Object> reference = map(entry, "valueFrom.secretKeyRef");
                if (reference != null) {
                    references++;
                    assertEquals(at(secret, "metadata.name"), reference.get("name"));
                    assertTrue(entries.containsKey(reference.get("key")), reference + " names no entry");
                }
            }
        }
        // the backend keys reach Sluice through the Secret: a manifest without any reference checks nothing
        assertTrue(references > 0, "the Deployment references no entry of the Secret");
    }

    @ParameterizedTest
    @ValueSource(strings = {"edge", "sidecar"})
    void everyBackendKeyTheConfigReferencesReachesSluice(String folder) {
        // given
        Manifests manifests = folder(folder);
        String config = (String) Manifests.entry(manifests.one("ConfigMap"), "data", "sluice.yaml");
        List<String> names = envNames(container(manifests.one("Deployment"), "sluice"));

        // then
        List<String> references = Manifests.expressionNames(config);
        assertFalse(references.isEmpty(), "the example shows a backend api key from the Secret");
        for (String reference : references) {
            assertTrue(names.contains(reference), reference + " is referenced in sluice.yaml but not set: " + names);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"edge", "sidecar"})
    void theGracePeriodOutlastsTheShutdownGrace(String folder) {
        // given
        Manifests manifests = folder(folder);
        Object grace = at(sluiceYaml(manifests.one("ConfigMap")), "sluice.shutdown-grace");
        Duration shutdownGrace = grace == null ? Duration.ofSeconds(30) : HelmChartTest.parseDuration((String) grace);

        // then
        int period = (Integer) at(podSpec(manifests.one("Deployment")), "terminationGracePeriodSeconds");
        assertTrue(period > shutdownGrace.toSeconds(), period + "s is not above " + shutdownGrace);
    }

    @Test
    void theEdgeKeepsItsLimitsInTheRedisOfK8sRedis() {
        // given
        Manifests edge = folder("edge");
        Manifests redis = folder("redis");
        Map<String, Object> config = sluiceYaml(edge.one("ConfigMap"));

        // when
        URI hosts = URI.create((String) at(config, "quarkus.redis.hosts"));

        // then
        assertEquals("redis", at(config, "sluice.limits.store"));
        Map<String, Object> service = redis.one("Service");
        assertEquals(at(service, "metadata.name") + "." + at(service, "metadata.namespace") + ".svc.cluster.local",
                hosts.getHost());
        assertEquals(at(list(service, "spec.ports").get(0), "port"), hosts.getPort());
        HelmChartTest.assertSelects(map(service, "spec.selector"), redis.one("StatefulSet"));
        assertEquals(6379, Manifests.resolvePort(container(redis.one("StatefulSet"), "redis"),
                at(list(service, "spec.ports").get(0), "targetPort")));
    }

    @Test
    void redisRunsAsItsOwnNonRootUserOnAVolume() {
        // given
        Map<String, Object> statefulSet = folder("redis").one("StatefulSet");

        // then
        assertEquals(1, at(statefulSet, "spec.replicas"));
        assertEquals(999, at(podSpec(statefulSet), "securityContext.runAsUser"));
        assertEquals(999, at(podSpec(statefulSet), "securityContext.fsGroup"));
        Map<String, Object> redis = container(statefulSet, "redis");
        assertTrue(list(redis, "volumeMounts").stream().anyMatch(mount -> "/data".equals(at(mount, "mountPath"))));
        assertEquals("data", at(list(statefulSet, "spec.volumeClaimTemplates").get(0), "metadata.name"));
    }

    @Test
    void theSidecarIsANativeSidecarTheAppReachesOnLocalhost() {
        // given
        Manifests sidecar = folder("sidecar");
        Map<String, Object> deployment = sidecar.one("Deployment");

        // then
        List<Object> initContainers = list(podSpec(deployment), "initContainers");
        assertEquals(1, initContainers.size());
        Map<String, Object> sluice = Manifests.cast(initContainers.get(0));
        assertEquals("sluice", sluice.get("name"));
        assertEquals("Always", sluice.get("restartPolicy"), "a native sidecar is an init container that keeps running");
        Manifests.assertSluiceProbes(sluice);
        Manifests.assertTmpIsEmptyDir(deployment, sluice);
        Map<String, Object> app = container(deployment, "app");
        assertEquals("http://localhost:8080/v1", envValue(app, "OPENAI_BASE_URL"));
        assertTrue(list(app, "ports").stream().noneMatch(port -> Integer.valueOf(8080).equals(at(port, "containerPort"))),
                "the app must leave port 8080 to its sidecar");
        assertEquals("local", at(sluiceYaml(sidecar.one("ConfigMap")), "sluice.limits.store"));
        assertTrue(sidecar.ofKind("Service").isEmpty(), "nothing outside the pod reaches the sidecar");
        Optional<Map<String, Object>> appKey = env(app, "OPENAI_API_KEY");
        assertTrue(appKey.isPresent(), "the app gets its key from the Secret");
    }
}
