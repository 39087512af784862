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
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

/**
 * The Helm chart in helm/sluice: lints, and renders with its default values and with each example values file into
 * the objects a Sluice deployment needs. Helm runs in-process (helm-java's native library): no cluster, no helm
 * install.
 */
class HelmChartTest {

    static final Path CHART = Path.of("helm", "sluice");
    static final Path EXAMPLES = CHART.resolve("examples");
    static final String RELEASE = "sluice";
    static final String FULLNAME = "sluice";
    static final Path OPS_ALERTS = Path.of("ops", "prometheus", "sluice-alerts.yaml");

    static Manifests render(UnaryOperator<TemplateCommand> options) {
        TemplateCommand template = new Helm(CHART).template().withName(RELEASE).withNamespace("llm");
        return Manifests.parse(options.apply(template).call());
    }

    static Manifests render() {
        return render(template -> template);
    }

    static Manifests renderExample(String file) {
        return renderValues(EXAMPLES.resolve(file));
    }

    static Manifests renderValues(Path file) {
        return render(template -> template.withValuesFile(file));
    }

    static Map<String, Object> sluiceYaml(Manifests manifests) {
        String text = (String) Manifests.entry(manifests.one("ConfigMap"), "data", "sluice.yaml");
        assertNotNull(text, "the ConfigMap has no sluice.yaml");
        return Manifests.cast(new Yaml().load(text));
    }

    static String podAnnotation(Manifests manifests, String name) {
        Map<String, Object> annotations = map(manifests.one("Deployment"), "spec.template.metadata.annotations");
        assertNotNull(annotations, "the pod template has no annotations");
        return (String) annotations.get(name);
    }

    static Map<String, Object> sluiceContainer(Manifests manifests) {
        return container(manifests.one("Deployment"), "sluice");
    }

    static Stream<Arguments> valuesFiles() throws Exception {
        try (Stream<Path> files = Files.list(EXAMPLES)) {
            return Stream.concat(Stream.of(Arguments.of("(default values)")),
                    files.map(file -> file.getFileName().toString()).sorted().map(Arguments::of).toList().stream());
        }
    }

    static Manifests renderNamed(String valuesFile) {
        return valuesFile.startsWith("(") ? render() : renderExample(valuesFile);
    }

    @Test
    void lintsClean() {
        // when
        LintResult result = new Helm(CHART).lint().strict().call();

        // then
        assertFalse(result.isFailed(), () -> String.join("\n", result.getMessages()));
    }

    @Test
    void examplesCoverEdgeWithRedisAndSidecar() throws Exception {
        assertTrue(Files.isRegularFile(EXAMPLES.resolve("values-edge-redis.yaml")));
        assertTrue(Files.isRegularFile(EXAMPLES.resolve("values-sidecar.yaml")));
    }

    @Test
    void defaultValuesDeployTheProxyWithoutRedis() {
        // when
        Manifests manifests = render();

        // then (helm-java's template leaves out hooks, so the test pod of templates/tests is not among them)
        assertEquals(List.of("ConfigMap", "Deployment", "PodDisruptionBudget", "Secret", "Service", "Service",
                "ServiceAccount"), manifests.kinds());
        Map<String, Object> deployment = manifests.one("Deployment");
        assertEquals(2, at(deployment, "spec.replicas"));
        Map<String, Object> sluice = sluiceContainer(manifests);
        Manifests.assertSluiceProbes(sluice);
        Manifests.assertTmpIsEmptyDir(deployment, sluice);
        assertNull(env(sluice, "QUARKUS_REDIS_HOSTS").orElse(null), "no Redis by default");
        assertNull(at(sluiceYaml(manifests), "sluice.limits.store"), "the default store (local) is left implicit");
        assertEquals(Map.of("sluice", Map.of()), sluiceYaml(manifests), "no models: the demo mode answers");
        assertEquals(Boolean.FALSE, at(podSpec(deployment), "automountServiceAccountToken"));
    }

    @Test
    void theServiceReachesTheProxyPort() {
        // given
        Manifests manifests = render();
        Map<String, Object> service = manifests.named("Service", FULLNAME);
        Map<String, Object> deployment = manifests.one("Deployment");

        // then
        List<Object> ports = list(service, "spec.ports");
        assertEquals(1, ports.size(), "the proxy's Service serves the proxy port only");
        Map<String, Object> port = Manifests.cast(ports.get(0));
        assertEquals(8080, port.get("port"));
        assertEquals(8080, Manifests.resolvePort(sluiceContainer(manifests), port.get("targetPort")));
        assertSelects(map(service, "spec.selector"), deployment);
        assertSelects(map(manifests.one("PodDisruptionBudget"), "spec.selector.matchLabels"), deployment);
    }

    @Test
    void healthAndMetricsHaveTheirOwnClusterIpServiceEvenWhenTheProxyIsALoadBalancer() {
        // given
        Manifests manifests = render(template -> template.set("service.type", "LoadBalancer"));

        // when
        Map<String, Object> management = manifests.named("Service", FULLNAME + "-management");

        // then
        assertEquals("LoadBalancer", at(manifests.named("Service", FULLNAME), "spec.type"));
        assertEquals("ClusterIP", at(management, "spec.type"));
        Map<String, Object> port = Manifests.cast(list(management, "spec.ports").get(0));
        assertEquals(9000, port.get("port"));
        assertEquals("management", port.get("name"));
        assertEquals(Manifests.MANAGEMENT_PORT, Manifests.resolvePort(sluiceContainer(manifests), port.get("targetPort")));
        assertSelects(map(management, "spec.selector"), manifests.one("Deployment"));
    }

    @Test
    void theConfigAndTheKeysAreMountedWhereSluiceReadsThem() {
        // given
        Manifests manifests = render(template -> template.set("keys[0].sha256", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
                .set("keys[0].account", "acme"));

        // when
        Manifests.ConfigSources sources = Manifests.configSources(manifests.one("Deployment"), sluiceContainer(manifests));

        // then
        assertEquals(at(manifests.one("ConfigMap"), "metadata.name"), sources.configMap());
        assertEquals(at(manifests.one("Secret"), "metadata.name"), sources.secret());
        Object keys = new Yaml().load(secretEntry(manifests.one("Secret"), "keys.yaml"));
        assertEquals("acme", at(((List<?>) at(keys, "sluice.keys")).get(0), "account"));
        assertEquals(List.of(), SluiceConfigKeys.unknownKeys(keys));
    }

    @ParameterizedTest
    @MethodSource("valuesFiles")
    void everyContainerRunsRestricted(String valuesFile) {
        Manifests.assertRestricted(renderNamed(valuesFile));
    }

    @ParameterizedTest
    @MethodSource("valuesFiles")
    void theSluiceContainerIsProbedOnItsHealthEndpoints(String valuesFile) {
        // given
        Manifests manifests = renderNamed(valuesFile);
        Map<String, Object> deployment = manifests.one("Deployment");

        // then
        Map<String, Object> sluice = sluiceContainer(manifests);
        Manifests.assertSluiceProbes(sluice);
        Manifests.assertTmpIsEmptyDir(deployment, sluice);
        Manifests.configSources(deployment, sluice);
    }

    @ParameterizedTest
    @MethodSource("valuesFiles")
    void theRenderedConfigUsesOnlyKeysSluiceKnows(String valuesFile) {
        // given
        Manifests manifests = renderNamed(valuesFile);

        // then
        assertEquals(List.of(), SluiceConfigKeys.unknownKeys(sluiceYaml(manifests)));
        manifests.find("Secret", FULLNAME).ifPresent(secret -> assertEquals(List.of(),
                SluiceConfigKeys.unknownKeys(new Yaml().load(secretEntry(secret, "keys.yaml")))));
    }

    @ParameterizedTest
    @MethodSource("valuesFiles")
    void everyBackendKeyTheConfigReferencesReachesTheContainer(String valuesFile) {
        // given
        Manifests manifests = renderNamed(valuesFile);
        String config = (String) Manifests.entry(manifests.one("ConfigMap"), "data", "sluice.yaml");

        // then
        List<String> names = envNames(sluiceContainer(manifests));
        for (String reference : Manifests.expressionNames(config)) {
            assertTrue(names.contains(reference), reference + " is referenced in sluice.yaml but not set: " + names);
        }
    }

    @ParameterizedTest
    @MethodSource("valuesFiles")
    void theGracePeriodOutlastsTheShutdownGrace(String valuesFile) {
        // given
        Manifests manifests = renderNamed(valuesFile);
        Object grace = at(sluiceYaml(manifests), "sluice.shutdown-grace");
        Duration shutdownGrace = grace == null ? Duration.ofSeconds(30) : parseDuration((String) grace);

        // then
        int period = (Integer) at(podSpec(manifests.one("Deployment")), "terminationGracePeriodSeconds");
        assertTrue(period > shutdownGrace.toSeconds(), period + "s is not above " + shutdownGrace);
    }

    @Test
    void aLongerShutdownGraceLengthensTheGracePeriodAndALongerPeriodStands() {
        // a grace of 2 minutes: 120 s, the 5 s pause before SIGTERM, 10 s to exit
        Manifests longer = render(template -> template.set("config.shutdown-grace", "2m"));
        assertEquals(135, at(podSpec(longer.one("Deployment")), "terminationGracePeriodSeconds"));
        // in milliseconds, rounded up
        Manifests millis = render(template -> template.set("config.shutdown-grace", "45500ms"));
        assertEquals(61, at(podSpec(millis.one("Deployment")), "terminationGracePeriodSeconds"));
        // a period set above what the grace needs is kept
        Manifests set = render(template -> template.set("config.shutdown-grace", "2m")
                .set("terminationGracePeriodSeconds", "300"));
        assertEquals(300, at(podSpec(set.one("Deployment")), "terminationGracePeriodSeconds"));
        // the default grace (30 s) gives the default period
        assertEquals(45, at(podSpec(render().one("Deployment")), "terminationGracePeriodSeconds"));
    }

    @Test
    void aConfigOrKeysChangeIsReloadedInPlaceWithoutRollingThePods() {
        // given
        Manifests before = render();

        // when
        Manifests after = render(template -> template.set("config.limits.redis-timeout", "80ms")
                .set("keys[0].key", "sk-client").set("keys[0].account", "acme")
                .set("adminKeys[0].sha256", "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"));

        // then Sluice reloads sluice.yaml and keys.yaml from the mounted ConfigMap and Secret: the pods stay
        assertNull(podAnnotation(before, "checksum/config"));
        assertEquals(podAnnotation(before, "checksum/secret"), podAnnotation(after, "checksum/secret"));
        assertEquals("80ms", at(sluiceYaml(after), "sluice.limits.redis-timeout"));
    }

    @Test
    void aConfigChangeRollsThePodsWhenAskedTo() {
        // given
        Manifests before = render(template -> template.set("rollOnConfigChange", true));

        // when
        Manifests after = render(template -> template.set("rollOnConfigChange", true)
                .set("config.limits.redis-timeout", "80ms"));

        // then
        assertNotNull(podAnnotation(before, "checksum/config"));
        assertNotEquals(podAnnotation(before, "checksum/config"), podAnnotation(after, "checksum/config"));
        assertEquals(podAnnotation(before, "checksum/secret"), podAnnotation(after, "checksum/secret"));
        assertEquals("80ms", at(sluiceYaml(after), "sluice.limits.redis-timeout"));
    }

    @Test
    void theAdminKeysComeFromTheChartsSecretBesideTheClientKeys() {
        // when
        Manifests manifests = render(template -> template.set("keys[0].sha256",
                "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08").set("keys[0].account", "acme")
                .set("adminKeys[0].sha256", "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"));

        // then
        Map<String, Object> keysYaml = Manifests.cast(new Yaml().load(secretEntry(manifests.one("Secret"), "keys.yaml")));
        assertEquals("2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
                at(Manifests.cast(list(keysYaml, "sluice.admin.keys").get(0)), "sha256"));
        assertEquals("acme", at(Manifests.cast(list(keysYaml, "sluice.keys").get(0)), "account"));
        assertFalse(String.valueOf(sluiceYaml(manifests)).contains("2c26b46b"), "no admin key in the ConfigMap");
        assertTrue(SluiceConfigKeys.unknownKeys(keysYaml).isEmpty(), SluiceConfigKeys.unknownKeys(keysYaml).toString());
    }

    @Test
    void aKeyChangeRollsThePods() {
        // given
        Manifests before = render();

        // when
        Manifests after = render(template -> template.set("apiKeys.VLLM_KEY", "sk-backend"));

        // then
        assertNotNull(podAnnotation(before, "checksum/secret"));
        assertNotEquals(podAnnotation(before, "checksum/secret"), podAnnotation(after, "checksum/secret"));
        assertEquals(podAnnotation(before, "checksum/config"), podAnnotation(after, "checksum/config"));
        assertEquals("sk-backend", secretEntry(after.one("Secret"), "VLLM_KEY"));
        Map<String, Object> reference = env(sluiceContainer(after), "VLLM_KEY").orElseThrow();
        assertEquals(FULLNAME, at(reference, "valueFrom.secretKeyRef.name"));
        assertEquals("VLLM_KEY", at(reference, "valueFrom.secretKeyRef.key"));
    }

    @Test
    void theChartsRedisIsDeployedOnlyWhenEnabled() {
        // given
        Manifests without = render();

        // when
        Manifests with = render(template -> template.set("redis.enabled", true));

        // then
        assertTrue(without.ofKind("StatefulSet").isEmpty());
        assertEquals(2, without.ofKind("Service").size(), "the proxy's and the management Service");
        Map<String, Object> redis = with.named("StatefulSet", FULLNAME + "-redis");
        Map<String, Object> service = with.named("Service", FULLNAME + "-redis");
        assertSelects(map(service, "spec.selector"), redis);
        assertFalse(selects(map(with.named("Service", FULLNAME), "spec.selector"), redis),
                "the proxy's Service must not select Redis");
        assertFalse(selects(map(service, "spec.selector"), with.one("Deployment")),
                "Redis' Service must not select the proxy");
        assertEquals("redis://" + FULLNAME + "-redis:6379", envValue(sluiceContainer(with), "QUARKUS_REDIS_HOSTS"));
        assertEquals(6379, at(list(service, "spec.ports").get(0), "port"));
        assertEquals("redis", at(sluiceYaml(with), "sluice.limits.store"));
        Manifests.assertRestricted(with);
    }

    @Test
    void anExternalRedisIsUsedWithoutDeployingOne() {
        // when
        Manifests manifests = render(template -> template.set("redis.external.url", "redis://cache.example:6379")
                .set("config.limits.store", "local"));

        // then
        assertTrue(manifests.ofKind("StatefulSet").isEmpty());
        assertEquals("redis://cache.example:6379", envValue(sluiceContainer(manifests), "QUARKUS_REDIS_HOSTS"));
        assertEquals("redis", at(sluiceYaml(manifests), "sluice.limits.store"));
        assertNull(env(sluiceContainer(manifests), "QUARKUS_REDIS_CLIENT_TYPE").orElse(null), "a single server");
    }

    @Test
    void aRedisClusterIsReachedThroughSomeOfItsMasters(@TempDir Path dir) throws Exception {
        // given (a list of URLs: a values file, since --set splits at commas)
        Path values = dir.resolve("values.yaml");
        Files.writeString(values, """
                redis:
                  external:
                    url: redis://redis-cluster-0.redis-cluster:6379,redis://redis-cluster-1.redis-cluster:6379
                    clientType: cluster
                """);

        // when
        Manifests manifests = renderValues(values);

        // then
        Map<String, Object> sluice = sluiceContainer(manifests);
        assertEquals("redis://redis-cluster-0.redis-cluster:6379,redis://redis-cluster-1.redis-cluster:6379",
                envValue(sluice, "QUARKUS_REDIS_HOSTS"));
        assertEquals("cluster", envValue(sluice, "QUARKUS_REDIS_CLIENT_TYPE"));
        assertNull(env(sluice, "QUARKUS_REDIS_MASTER_NAME").orElse(null));
        assertEquals("redis", at(sluiceYaml(manifests), "sluice.limits.store"));
        assertTrue(manifests.ofKind("StatefulSet").isEmpty(), "no Redis of the chart's");
    }

    @Test
    void aSentinelManagedPrimaryIsReachedThroughItsSentinels(@TempDir Path dir) throws Exception {
        // given
        Path values = dir.resolve("values.yaml");
        Files.writeString(values, """
                redis:
                  external:
                    url: redis://sentinel-0.sentinel:26379,redis://sentinel-1.sentinel:26379,redis://sentinel-2.sentinel:26379
                    clientType: sentinel
                    masterName: mymaster
                """);

        // when
        Manifests manifests = renderValues(values);

        // then
        Map<String, Object> sluice = sluiceContainer(manifests);
        assertEquals("redis://sentinel-0.sentinel:26379,redis://sentinel-1.sentinel:26379,redis://sentinel-2.sentinel:26379",
                envValue(sluice, "QUARKUS_REDIS_HOSTS"));
        assertEquals("sentinel", envValue(sluice, "QUARKUS_REDIS_CLIENT_TYPE"));
        assertEquals("mymaster", envValue(sluice, "QUARKUS_REDIS_MASTER_NAME"));
        assertEquals("redis", at(sluiceYaml(manifests), "sluice.limits.store"));
    }

    @Test
    void aRedisTopologyCanTakeItsUrlsFromASecret() {
        // when
        Manifests manifests = render(template -> template.set("redis.external.existingSecret", "redis-sentinels")
                .set("redis.external.clientType", "sentinel").set("redis.external.masterName", "mymaster"));

        // then
        Map<String, Object> sluice = sluiceContainer(manifests);
        assertEquals("redis-sentinels", at(env(sluice, "QUARKUS_REDIS_HOSTS").orElseThrow(), "valueFrom.secretKeyRef.name"));
        assertEquals("sentinel", envValue(sluice, "QUARKUS_REDIS_CLIENT_TYPE"));
    }

    @Test
    void refusesASentinelWithoutItsMasterName() {
        RuntimeException refused = assertThrows(RuntimeException.class, () -> render(template -> template
                .set("redis.external.url", "redis://sentinel:26379").set("redis.external.clientType", "sentinel")));
        assertTrue(refused.getMessage().contains("masterName"), refused.getMessage());
    }

    @Test
    void refusesAClusterWithoutItsUrls() {
        RuntimeException refused = assertThrows(RuntimeException.class, () -> render(template -> template
                .set("redis.external.clientType", "cluster")));
        assertTrue(refused.getMessage().contains("redis.external.url"), refused.getMessage());
    }

    @Test
    void refusesAnUnknownRedisClientType() {
        RuntimeException refused = assertThrows(RuntimeException.class, () -> render(template -> template
                .set("redis.external.url", "redis://cache.example:6379").set("redis.external.clientType", "replicas")));
        assertTrue(refused.getMessage().contains("clientType"), refused.getMessage());
    }

    @Test
    void aConfigFileMayNameTheRedisTopology() {
        // the README's sluice.yaml for a cluster or sentinels sets these Quarkus keys beside sluice's own
        Map<String, Object> redis = Map.of("hosts", "redis://sentinel-0:26379,redis://sentinel-1:26379",
                "client-type", "sentinel", "master-name", "mymaster");
        assertEquals(List.of(), SluiceConfigKeys.unknownKeys(Map.of("quarkus", Map.of("redis", redis),
                "sluice", Map.of("limits", Map.of("store", "redis")))));
    }

    @Test
    void anExternalRedisUrlCanComeFromASecret() {
        // when
        Manifests manifests = render(template -> template.set("redis.external.existingSecret", "redis-url"));

        // then
        Map<String, Object> hosts = env(sluiceContainer(manifests), "QUARKUS_REDIS_HOSTS").orElseThrow();
        assertEquals("redis-url", at(hosts, "valueFrom.secretKeyRef.name"));
        assertEquals("url", at(hosts, "valueFrom.secretKeyRef.key"));
    }

    @Test
    void largeLimitsStayWholeNumbers(@TempDir Path dir) throws Exception {
        // given a values file (whose numbers Helm reads as floating point) with limits of a million and more
        Path values = dir.resolve("values.yaml");
        Files.writeString(values, """
                config:
                  plans:
                    big: {requests-per-window: 1000000, tokens-per-minute: 2500000, rate: 0.5}
                """);

        // when
        String text = (String) Manifests.entry(renderValues(values).one("ConfigMap"), "data", "sluice.yaml");

        // then Sluice reads them as whole numbers, not 1e+06
        assertTrue(text.contains("requests-per-window: 1000000"), text);
        assertTrue(text.contains("tokens-per-minute: 2500000"), text);
    }

    @Test
    void refusesTwoRedises() {
        RuntimeException refused = assertThrows(RuntimeException.class, () -> render(template -> template
                .set("redis.enabled", true).set("redis.external.url", "redis://cache.example:6379")));
        assertTrue(refused.getMessage().contains("either redis.enabled or redis.external"), refused.getMessage());
    }

    @Test
    void refusesClientKeysInThePlainConfig() {
        RuntimeException refused = assertThrows(RuntimeException.class, () -> render(template -> template
                .set("config.keys[0].key", "sk-plain").set("config.keys[0].account", "acme")));
        assertTrue(refused.getMessage().contains("keys"), refused.getMessage());
    }

    @Test
    void refusesAnUnknownConfigKey() {
        RuntimeException refused = assertThrows(RuntimeException.class,
                () -> render(template -> template.set("config.limits.stroe", "redis")));
        assertTrue(refused.getMessage().contains("stroe"), refused.getMessage());
    }

    @Test
    void refusesAnUnknownMode() {
        RuntimeException refused = assertThrows(RuntimeException.class,
                () -> render(template -> template.set("mode", "gateway")));
        assertTrue(refused.getMessage().contains("mode"), refused.getMessage());
    }

    @Test
    void anExistingSecretReplacesTheChartsSecret() {
        // when
        Manifests manifests = render(template -> template.set("existingSecret", "my-keys")
                .set("existingSecretApiKeys[0]", "VLLM_KEY"));

        // then
        assertTrue(manifests.ofKind("Secret").isEmpty());
        assertEquals("my-keys", Manifests.configSources(manifests.one("Deployment"), sluiceContainer(manifests)).secret());
        assertEquals("my-keys", at(env(sluiceContainer(manifests), "VLLM_KEY").orElseThrow(),
                "valueFrom.secretKeyRef.name"));
    }

    @Test
    void theEdgeExampleScalesSharesRedisAndIsScraped() {
        // when
        Manifests manifests = renderExample("values-edge-redis.yaml");

        // then
        for (String kind : List.of("ConfigMap", "Secret", "Deployment", "Service", "ServiceAccount",
                "HorizontalPodAutoscaler", "PodDisruptionBudget", "ServiceMonitor", "Ingress", "StatefulSet")) {
            assertFalse(manifests.ofKind(kind).isEmpty(), kind + " missing from " + manifests.kinds());
        }
        assertNull(at(manifests.one("Deployment"), "spec.replicas"), "the autoscaler owns the replica count");
        assertEquals(FULLNAME, at(manifests.one("HorizontalPodAutoscaler"), "spec.scaleTargetRef.name"));
        assertEquals("redis", at(sluiceYaml(manifests), "sluice.limits.store"));
        assertEquals("redis://" + FULLNAME + "-redis:6379", envValue(sluiceContainer(manifests), "QUARKUS_REDIS_HOSTS"));
        Map<String, Object> endpoint = Manifests.cast(list(manifests.one("ServiceMonitor"), "spec.endpoints").get(0));
        assertEquals("/q/metrics", endpoint.get("path"));
        assertEquals("management", endpoint.get("port"));
        Map<String, Object> management = manifests.named("Service", FULLNAME + "-management");
        assertTrue(list(management, "spec.ports").stream().anyMatch(port -> "management".equals(at(port, "name"))),
                "the ServiceMonitor's port is on the management Service");
        assertSelects(map(manifests.one("ServiceMonitor"), "spec.selector.matchLabels"), management, "metadata.labels");
        Map<String, Object> proxyServiceLabels = map(manifests.named("Service", FULLNAME), "metadata.labels");
        assertFalse(proxyServiceLabels.entrySet().containsAll(
                map(manifests.one("ServiceMonitor"), "spec.selector.matchLabels").entrySet()),
                "metrics are not scraped from the proxy's Service");
        Map<String, Object> backend = map(Manifests.cast(list(list(manifests.one("Ingress"), "spec.rules").get(0),
                "http.paths").get(0)), "backend.service");
        assertEquals(FULLNAME, backend.get("name"));
        assertEquals(8080, at(backend, "port.number"));
    }

    @Test
    void thePrometheusRuleIsRenderedOnlyWhenEnabledWithTheOpsAlertRules() throws Exception {
        // given
        Manifests without = render();

        // when
        Manifests with = render(template -> template.set("prometheusRule.enabled", true)
                .set("prometheusRule.labels.release", "prometheus"));

        // then
        assertTrue(without.ofKind("PrometheusRule").isEmpty(), "no PrometheusRule by default");
        Map<String, Object> rule = with.named("PrometheusRule", FULLNAME);
        assertEquals("prometheus", at(rule, "metadata.labels.release"));
        assertEquals(RELEASE, map(rule, "metadata.labels").get("app.kubernetes.io/instance"));
        Object opsRules = new Yaml().load(Files.readString(OPS_ALERTS, StandardCharsets.UTF_8));
        assertEquals(at(opsRules, "groups"), at(rule, "spec.groups"), "the rendered rules are the ops rules");
        String rendered = String.valueOf(at(rule, "spec.groups"));
        assertTrue(rendered.contains("{{ $labels.instance }}"), "Prometheus' own templates are left to Prometheus");
    }

    @Test
    void theChartsAlertRulesAreACopyOfTheOpsRules() throws Exception {
        // helm reads only files inside the chart: the chart keeps a copy of ops/prometheus/sluice-alerts.yaml
        assertEquals(Files.readString(OPS_ALERTS, StandardCharsets.UTF_8),
                Files.readString(CHART.resolve("files").resolve("sluice-alerts.yaml"), StandardCharsets.UTF_8),
                "helm/sluice/files/sluice-alerts.yaml differs from ops/prometheus/sluice-alerts.yaml: copy it over");
    }

    @Test
    void theSidecarExampleRunsSluiceAsANativeSidecarBesideTheApp() {
        // when
        Manifests manifests = renderExample("values-sidecar.yaml");

        // then
        Map<String, Object> deployment = manifests.one("Deployment");
        List<Object> initContainers = list(podSpec(deployment), "initContainers");
        assertEquals(1, initContainers.size());
        Map<String, Object> sluice = Manifests.cast(initContainers.get(0));
        assertEquals("sluice", sluice.get("name"));
        assertEquals("Always", sluice.get("restartPolicy"), "a native sidecar");
        Manifests.assertSluiceProbes(sluice);
        assertNull(at(sluice, "lifecycle"), "a sidecar stops after the app: no preStop pause");
        Map<String, Object> app = container(deployment, "app");
        assertEquals("http://localhost:8080/v1", envValue(app, "OPENAI_BASE_URL"));
        assertEquals("http://localhost:8080", envValue(app, "ANTHROPIC_BASE_URL"));
        assertEquals("local", at(sluiceYaml(manifests), "sluice.limits.store"));
        assertTrue(manifests.ofKind("StatefulSet").isEmpty(), "no Redis in the sidecar example");
        assertTrue(manifests.ofKind("Secret").isEmpty(), "the example uses its own Secret");
        assertTrue(manifests.ofKind("PodDisruptionBudget").isEmpty());
        Map<String, Object> port = Manifests.cast(list(manifests.one("Service"), "spec.ports").get(0));
        assertEquals(3000, Manifests.resolvePort(app, port.get("targetPort")), "the Service serves the app");
        assertEquals("-XX:+UseSerialGC -Xmx128m", envValue(sluice, "JDK_JAVA_OPTIONS"));
    }

    @Test
    void theNotesTellHowToReachTheProxyAndSendAFirstRequest() {
        // when
        String notes = notes(List.of());

        // then
        assertTrue(notes.contains("kubectl --namespace llm port-forward service/" + FULLNAME + " 8080:8080"), notes);
        assertTrue(notes.contains("curl http://localhost:8080/v1/chat/completions"), notes);
        assertTrue(notes.contains("authorization: Bearer sk-sluice-demo"), notes);
        assertTrue(notes.contains("\"model\":\"demo\""), notes);
        assertTrue(notes.contains("/q/metrics on the management port 9000 (Service " + FULLNAME + "-management)"), notes);
    }

    @Test
    void theNotesNameAConfiguredModelAndTheIngress() {
        // when
        String notes = notes(List.of(EXAMPLES.resolve("values-edge-redis.yaml")));

        // then
        assertTrue(notes.contains("https://llm.example.com/"), notes);
        assertTrue(notes.contains("\"model\":\"big\""), notes);
        assertFalse(notes.contains("sk-sluice-demo"), notes);
        assertTrue(notes.contains("with its limits in Redis"), notes);
    }

    @Test
    void theNotesOfTheSidecarForwardToThePod() {
        // when
        String notes = notes(List.of(EXAMPLES.resolve("values-sidecar.yaml")));

        // then
        assertTrue(notes.contains("port-forward deployment/my-app 8080:8080"), notes);
        assertTrue(notes.contains("http://localhost:8080"), notes);
    }

    /** The NOTES.txt that {@code helm install} prints (a client-side dry run: no cluster). */
    static String notes(List<Path> valuesFiles) {
        InstallCommand install = new Helm(CHART).install().withName(RELEASE).withNamespace("llm").clientOnly().dryRun();
        for (Path file : valuesFiles) {
            install = install.withValuesFile(file);
        }
        String output = install.call().getOutput();
        assertTrue(output.contains("NOTES:"), output);
        return output.substring(output.indexOf("NOTES:"));
    }

    @Test
    void theSchemaDescribesExactlyTheKeysSluiceReads() throws Exception {
        // given
        Map<String, Object> schema = Manifests.cast(new Yaml().load(
                Files.readString(CHART.resolve("values.schema.json"), StandardCharsets.UTF_8)));

        // when
        // (keys and admin keys go in the Secret; the file's own path is SLUICE_CONFIG, set by the chart)
        List<String> mismatches = SluiceConfigKeys.schemaMismatches(schema, map(schema, "properties.config"),
                Set.of("sluice.keys", "sluice.admin.keys", "sluice.config"));

        // then
        assertEquals(List.of(), mismatches);
    }

    @ParameterizedTest
    @MethodSource("valuesFiles")
    void theSchemaDescribesEveryKeyOfTheValues(String valuesFile) throws Exception {
        // given (the schema's top level admits unknown keys, so helm itself would not tell)
        Map<String, Object> schema = Manifests.cast(new Yaml().load(
                Files.readString(CHART.resolve("values.schema.json"), StandardCharsets.UTF_8)));
        Path file = valuesFile.startsWith("(") ? CHART.resolve("values.yaml") : EXAMPLES.resolve(valuesFile);
        Map<String, Object> values = Manifests.cast(new Yaml().load(Files.readString(file, StandardCharsets.UTF_8)));

        // when
        List<String> undescribed = new java.util.ArrayList<>();
        undescribed(schema, schema, values, "", undescribed);

        // then
        assertEquals(List.of(), undescribed);
    }

    /** The keys of {@code values} that {@code schema} does not list, where it lists the properties of an object. */
    static void undescribed(Map<String, Object> root, Map<String, Object> schema, Map<String, Object> values, String path,
            List<String> undescribed) {
        Map<String, Object> resolved = schema;
        while (resolved != null && resolved.get("$ref") instanceof String ref) {
            resolved = map(root, ref.substring(2).replace('/', '.'));
        }
        Map<String, Object> properties = map(resolved, "properties");
        if (properties == null || values == null) {
            return;
        }
        for (Map.Entry<String, Object> entry : values.entrySet()) {
            String at = path.isEmpty() ? entry.getKey() : path + "." + entry.getKey();
            Object described = properties.get(entry.getKey());
            if (described == null) {
                undescribed.add(at);
            } else if (entry.getValue() instanceof Map<?, ?> nested) {
                undescribed(root, Manifests.cast(described), Manifests.cast(nested), at, undescribed);
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    static String secretEntry(Map<String, Object> secret, String key) {
        Object data = Manifests.entry(secret, "data", key);
        if (data != null) {
            return new String(Base64.getDecoder().decode((String) data), StandardCharsets.UTF_8);
        }
        return (String) Manifests.entry(secret, "stringData", key);
    }

    static void assertSelects(Map<String, Object> selector, Map<String, Object> workload) {
        assertTrue(selects(selector, workload), selector + " does not select the pods of " + at(workload, "metadata.name"));
    }

    static void assertSelects(Map<String, Object> selector, Map<String, Object> object, String labelsPath) {
        Map<String, Object> labels = map(object, labelsPath);
        assertTrue(labels.entrySet().containsAll(selector.entrySet()), selector + " does not select " + labels);
    }

    static boolean selects(Map<String, Object> selector, Map<String, Object> workload) {
        assertNotNull(selector);
        assertFalse(selector.isEmpty());
        return Manifests.podLabels(workload).entrySet().containsAll(selector.entrySet());
    }

    /** The durations Quarkus reads: a number of seconds, or a number with ms, s, m, h or d. */
    static Duration parseDuration(String text) {
        var match = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h|d)?").matcher(text);
        assertTrue(match.matches(), "not a duration: " + text);
        long amount = Long.parseLong(match.group(1));
        return switch (match.group(2) == null ? "s" : match.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            case "d" -> Duration.ofDays(amount);
            default -> Duration.ofSeconds(amount);
        };
    }
}
