package dev.sluice.control;

import static dev.sluice.testing.Api.given;
import static dev.sluice.testing.Api.openai;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;

import dev.sluice.testing.Backends;
import dev.sluice.testing.BackendsResource;
import dev.sluice.testing.InjectBackends;
import dev.sluice.testing.Replies;
import dev.sluice.testing.Scrape;
import dev.sluice.testing.TestBackend;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Configuration reload (contract §10.2) with the file laid out as a Kubernetes ConfigMap mounts it
 * ({@code sluice.yaml -> ..data/sluice.yaml}, {@code ..data -> ..<timestamp>}): edited in place, swapped the way the
 * kubelet swaps it, and replaced by an invalid file. The steps run in order, each from the file the last one left.
 */
@QuarkusTest
@TestProfile(ConfigReloadTest.Profile.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConfigReloadTest {

    static final Path LOG = Path.of("target", "config-reload-test.log");
    static final String ADMIN_KEY = "sk-reload-admin";
    static final long RELOAD_DEADLINE_MILLIS = 10_000;

    public static class Profile implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(BackendsResource.of("r1", "r2"), new TestResourceEntry(ConfigMapResource.class));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.log.file.enabled", "true", "quarkus.log.file.path", LOG.toString());
        }
    }

    /** Writes the first sluice.yaml as a ConfigMap volume holds it, and names it as SLUICE_CONFIG does. */
    public static class ConfigMapResource implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            try {
                Path dir = Files.createTempDirectory("sluice-configmap");
                ConfigMap.dir = dir;
                ConfigMap.swap(file(List.of("alpha"), TEAM_KEY, ""));
                Files.createSymbolicLink(dir.resolve("sluice.yaml"), Path.of("..data", "sluice.yaml"));
                System.setProperty("sluice.config", dir.resolve("sluice.yaml").toString());
                return Map.of();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void stop() {
            System.clearProperty("sluice.config");
        }
    }

    /** The kubelet's way: a new timestamped directory, then the {@code ..data} symlink renamed over the old one. */
    static final class ConfigMap {
        static Path dir;
        static int generation;

        static void swap(String yaml) throws IOException {
            Path version = Files.createDirectory(dir.resolve("..2026_11_30_" + (++generation)));
            Files.writeString(version.resolve("sluice.yaml"), yaml);
            Path temporary = dir.resolve("..data_tmp");
            Files.createSymbolicLink(temporary, version.getFileName());
            Files.move(temporary, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }

        /** An edit in place, as a person on a VM would make it (through the symlinks, to the current file). */
        static void edit(String yaml) throws IOException {
            Files.writeString(dir.resolve("sluice.yaml"), yaml);
        }
    }

    static final String TEAM_KEY = "    - {key: sk-reload-team, account: team}\n";
    static final String OTHER_KEY = "    - {key: sk-reload-other, account: other}\n";

    /** A configuration with these models (alpha on r1, beta on r2), these keys, and more YAML under sluice:. */
    static String file(List<String> models, String keys, String more) {
        StringBuilder yaml = new StringBuilder("""
                sluice:
                  reload: {interval: 200ms}
                  accounts:
                    team: {concurrency: 5}
                    other: {concurrency: 100}
                  keys:
                """);
        yaml.append(keys);
        yaml.append("  models:\n");
        for (String model : models) {
            yaml.append("    ").append(model).append(":\n      backends:\n        - {name: ")
                    .append(model.equals("alpha") ? "r1" : "r2").append(", url: \"${test.backend.")
                    .append(model.equals("alpha") ? "r1" : "r2").append("}\"}\n");
        }
        return yaml.append(more).toString();
    }

    /**
     * A file with the admin API on, account {@code other} and its key, model alpha; {@code plans} (a {@code plans:}
     * group, or "") and {@code accounts} (more accounts, or "") as given.
     */
    static String adminFile(String plans, String accounts) {
        return "sluice:\n  reload: {interval: 200ms}\n" + plans
                + "  accounts:\n    other: {concurrency: 100}\n" + accounts
                + "  keys:\n    - {key: sk-reload-other, account: other}\n"
                + "  admin:\n    keys:\n      - {key: " + ADMIN_KEY + "}\n"
                + "  models:\n    alpha:\n      backends:\n        - {name: r1, url: \"${test.backend.r1}\"}\n";
    }

    static final String CHAT = "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @InjectBackends
    Backends backends;

    static int chat(String key, String model) {
        return openai(key).body(CHAT.formatted(model)).post("/v1/chat/completions").statusCode();
    }

    /** Waits until {@code condition} holds; fails past the contract's 10 s. Answers how long it took. */
    static long within10s(BooleanSupplier condition) throws InterruptedException {
        long start = System.nanoTime();
        while (!condition.getAsBoolean()) {
            assertThat((System.nanoTime() - start) / 1_000_000).as("reloaded within 10 s").isLessThan(RELOAD_DEADLINE_MILLIS);
            Thread.sleep(50);
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Test
    @Order(1)
    void editedInPlaceTheFilesKeysModelsAndAdminKeysApply() throws Exception {
        // given the first file: model alpha, one key, no admin key (the admin API is not served)
        assertThat(chat("sk-reload-team", "alpha")).isEqualTo(200);
        given().get("/admin/v1/keys").then().statusCode(404).body("error.code", equalTo("not_found"));
        // a path RESTEasy reads as the admin API's (it drops ;parameters) is not served either
        try (dev.sluice.testing.RawHttp http = dev.sluice.testing.RawHttp.connect(io.restassured.RestAssured.port)) {
            String body = "{\"account\":\"team\"}";
            dev.sluice.testing.RawHttp.Answer created = http.send("POST /admin;x/v1/keys HTTP/1.1\r\nhost: localhost\r\n"
                    + "content-type: application/json\r\ncontent-length: " + body.length() + "\r\n\r\n" + body).read();
            assertThat(created.status()).isEqualTo(404);
            assertThat(created.body()).contains("\"code\":\"not_found\"").doesNotContain("sk-sluice-");
        }

        // when the file is edited: a model, a key and an admin key more
        ConfigMap.edit(file(List.of("alpha", "beta"), TEAM_KEY + "    - {key: sk-reload-other, account: other, models: [beta]}\n",
                "  admin:\n    keys:\n      - {key: " + ADMIN_KEY + "}\n"));

        // then they work within 10 s
        long took = within10s(() -> chat("sk-reload-other", "beta") == 200);
        assertThat(chat("sk-reload-other", "alpha")).isEqualTo(404);
        given().header("authorization", "Bearer " + ADMIN_KEY).get("/admin/v1/keys").then().statusCode(200);
        assertThat(Scrape.now().value("sluice_config_reloads_total", "result", "applied")).isGreaterThanOrEqualTo(1);
        System.out.printf("Reload after an edit in place applied in %d ms%n", took);

        // when the admin keys are emptied as a user writes "none" (an empty list; it was refused with SmallRye's
        // SRCFG00050, and the admin API stayed on)
        int logged = Files.readString(LOG).length();
        ConfigMap.edit(file(List.of("alpha", "beta"), TEAM_KEY + "    - {key: sk-reload-other, account: other, models: [beta]}\n",
                "  admin:\n    keys: []\n"));

        // then the admin API is off, and the file was not refused (a read that caught the file half-written, as an
        // edit in place may be, is refused as empty: not that)
        within10s(() -> given().header("authorization", "Bearer " + ADMIN_KEY).get("/admin/v1/keys").statusCode() == 404);
        assertThat(Files.readString(LOG).substring(logged).lines().filter(line -> line.contains("reload refused")))
                .allSatisfy(refused -> assertThat(refused).endsWith("sluice.yaml is empty"));
        assertThat(chat("sk-reload-other", "beta")).isEqualTo(200);
    }

    @Test
    @Order(2)
    void aConfigMapSwapRemovesKeysAndModelsWhileRequestsInFlightFinishOnTheirConfiguration() throws Exception {
        // given a request for alpha under way (its backend answers in 2 s)
        backends.get("r1").reply(Replies.delayed(2000, Replies.json(200, Replies.CHAT_COMPLETION)));
        CompletableFuture<Integer> inFlight = CompletableFuture.supplyAsync(() -> chat("sk-reload-team", "alpha"));
        Thread.sleep(300);

        // when the ConfigMap is updated: alpha and the team's key removed
        ConfigMap.swap(file(List.of("beta"), OTHER_KEY, ""));

        // then new requests see the new file within 10 s ...
        within10s(() -> chat("sk-reload-team", "beta") == 401);
        assertThat(chat("sk-reload-other", "alpha")).isEqualTo(404);
        assertThat(chat("sk-reload-other", "beta")).isEqualTo(200);
        // ... and the request under way finishes on the configuration it started with
        assertThat(inFlight.get(10, TimeUnit.SECONDS)).isEqualTo(200);
        backends.get("r1").reset();
    }

    @Test
    @Order(3)
    void anInvalidFileIsRefusedWholeWithItsKeyPathsLogged() throws Exception {
        double rejected = Scrape.now().value("sluice_config_reloads_total", "result", "rejected");

        // when the new file is invalid (a key naming an unknown account, a negative limit) though it adds a model
        ConfigMap.swap(file(List.of("alpha", "beta"), OTHER_KEY + "    - {key: sk-reload-ghost, account: ghost}\n",
                "  plans:\n    bad: {concurrency: -1}\n  cors: {origins: [app.example.com]}\n"));

        // then it is refused and counted, with its key paths logged ...
        within10s(() -> Scrape.now().value("sluice_config_reloads_total", "result", "rejected") > rejected);
        within10s(() -> logContains("sluice.cors.origins[0]: must be *"));
        String log = Files.readString(LOG);
        assertThat(log).contains("Configuration reload refused").contains("sluice.keys[1].account")
                .contains("sluice.plans.bad.concurrency").contains("sluice.cors.origins[0]: must be *");
        // ... and the running configuration stays, whole: no model alpha, the other key still working
        assertThat(chat("sk-reload-other", "alpha")).isEqualTo(404);
        assertThat(chat("sk-reload-other", "beta")).isEqualTo(200);
        assertThat(chat("sk-reload-ghost", "beta")).isEqualTo(401);

        // when a boolean is mistyped (the configuration library read every word but its true ones as false: request
        // validation turned off by a typo)
        ConfigMap.swap(file(List.of("alpha", "beta"), OTHER_KEY, "  validation: {enabled: ture}\n"));

        // then it is refused like a mistyped number, naming its key path, and the running configuration stays
        within10s(() -> Scrape.now().value("sluice_config_reloads_total", "result", "rejected") > rejected + 1);
        within10s(() -> logContains("sluice.validation.enabled: \"ture\" cannot be read: Expected true or false"));
        assertThat(chat("sk-reload-other", "alpha")).isEqualTo(404);

        // when an account is given twice (copied, and changed further down)
        ConfigMap.swap(file(List.of("alpha", "beta"), OTHER_KEY, "  accounts:\n    other: {concurrency: 1}\n"));

        // then it is refused with the file and the line, rather than read as the last one
        within10s(() -> Scrape.now().value("sluice_config_reloads_total", "result", "rejected") > rejected + 2);
        within10s(() -> logContains("sluice.yaml: found duplicate key accounts at line"));
        assertThat(chat("sk-reload-other", "alpha")).isEqualTo(404);
    }

    @Test
    @Order(4)
    void settingsThatNeedARestartAreLoggedAsIgnored() throws Exception {
        // when a valid file also changes settings a reload cannot apply
        // (the HTTP port among them: Quarkus registers the port it bound as a value above every file; and the
        // backends' trust, which the clients took at start-up)
        ConfigMap.swap(file(List.of("alpha", "beta"), OTHER_KEY,
                "  limits: {store: redis}\n  max-body-size: 1K\n  cors: {origins: [\"https://x.example.com\"]}\n"
                + "  upstream: {max-connecting: 8, tls: {ca-file: \"" + dev.sluice.testing.TestCertificates.get().caFile()
                + "\"}}\nquarkus:\n  http: {port: 18089}\n"));

        // then the rest applies, and those are named as ignored
        within10s(() -> chat("sk-reload-other", "alpha") == 200);
        within10s(() -> logContains("sluice.cors.origins, sluice.limits.store, sluice.max-body-size, "
                + "sluice.upstream.max-connecting, sluice.upstream.tls.ca-file changed"));
        String log = Files.readString(LOG);
        assertThat(log).contains("quarkus.http.port, sluice.cors.origins, sluice.limits.store, sluice.max-body-size, "
                + "sluice.upstream.max-connecting, sluice.upstream.tls.ca-file changed; ignored until restart");
        String big = "x".repeat(4000);
        assertThat(openai("sk-reload-other").body(CHAT.formatted("alpha").replace("hi", big))
                .post("/v1/chat/completions").statusCode()).as("max-body-size unchanged until restart").isEqualTo(200);

        // when those settings are put back as the process runs them
        int warnings = Files.readString(LOG).split("ignored until restart", -1).length;
        double applied = Scrape.now().value("sluice_config_reloads_total", "result", "applied");
        ConfigMap.swap(file(List.of("alpha", "beta"), OTHER_KEY, ""));
        within10s(() -> Scrape.now().value("sluice_config_reloads_total", "result", "applied") == applied + 1);

        // then nothing is said to need a restart any more
        assertThat(Files.readString(LOG).split("ignored until restart", -1)).hasSize(warnings);
    }

    @Test
    @Order(5)
    void anAccountDeclaredWithNothingIsAnAccountOfTheFileToTheAdminApi() throws Exception {
        // when the file declares an account with nothing in it (contract §4.2: valid, every limit unlimited)
        ConfigMap.swap("""
                sluice:
                  reload: {interval: 200ms}
                  accounts:
                    open: {}
                  keys:
                    - {key: sk-reload-open, account: open}
                  admin:
                    keys:
                      - {key: %s}
                  models:
                    alpha:
                      backends:
                        - {name: r1, url: "${test.backend.r1}"}
                """.formatted(ADMIN_KEY));

        // then its key serves, and the admin API shows the account as the file's, with no limit
        within10s(() -> chat("sk-reload-open", "alpha") == 200);
        given().header("authorization", "Bearer " + ADMIN_KEY).get("/admin/v1/accounts/open").then()
                .statusCode(200)
                .body("object", equalTo("account"))
                .body("account", equalTo("open"))
                .body("source", equalTo("file"))
                .body("$", not(hasKey("plan")))
                .body("$", not(hasKey("concurrency")))
                .body("usage.account", equalTo("open"));
    }

    @Test
    @Order(6)
    void anEmptyFileIsRefusedAndTheRunningConfigurationStays() throws Exception {
        double rejected = Scrape.now().value("sluice_config_reloads_total", "result", "rejected");
        int emptyBefore = Files.readString(LOG).split("sluice.yaml is empty", -1).length;

        // when the file is caught empty (an editor that truncates before it writes), then holding only a comment,
        // then with its groups but not under sluice:
        ConfigMap.edit("");
        within10s(() -> Scrape.now().value("sluice_config_reloads_total", "result", "rejected") == rejected + 1);
        ConfigMap.edit("# being written\n");
        within10s(() -> Scrape.now().value("sluice_config_reloads_total", "result", "rejected") == rejected + 2);
        ConfigMap.edit("accounts:\n  open: {}\n");
        within10s(() -> Scrape.now().value("sluice_config_reloads_total", "result", "rejected") == rejected + 3);
        // and with an empty group under sluice: (at start-up the demo; applied, no key would serve)
        ConfigMap.edit("sluice: {}\n");
        within10s(() -> Scrape.now().value("sluice_config_reloads_total", "result", "rejected") == rejected + 4);
        // and with YAML that does not parse: named by its file and line, not the parser's "in 'reader'"
        ConfigMap.edit("sluice:\n  accounts: {open: {}\n");
        within10s(() -> Scrape.now().value("sluice_config_reloads_total", "result", "rejected") == rejected + 5);
        within10s(() -> logContains("sluice.yaml is not YAML: "));
        assertThat(Files.readString(LOG)).containsPattern("sluice.yaml is not YAML: .* at line 3, column 1 \\(while "
                + "parsing a flow mapping at line 2, column 13\\)").doesNotContain("'reader'");

        // then each is refused, said so, and the running configuration serves on
        String log = Files.readString(LOG);
        // (an edit in place of an earlier test may have been caught half-written too: counted from here)
        assertThat(log.split("sluice.yaml is empty", -1)).hasSize(emptyBefore + 2);
        assertThat(log).contains("Configuration reload refused").contains("sluice.yaml declares nothing under sluice:");
        assertThat(log.split("sluice.yaml declares nothing under sluice:", -1)).hasSizeGreaterThanOrEqualTo(3);
        assertThat(chat("sk-reload-open", "alpha")).isEqualTo(200);
    }

    @Test
    @Order(7)
    void aBackendAReloadMakesInsecureIsWarnedAboutAsAtStartUp() throws Exception {
        // when a reload adds an https backend whose TLS is not verified
        ConfigMap.swap(file(List.of("alpha"), OTHER_KEY, """
                    unverified:
                      backends:
                        - {name: u1, url: "https://gpu-7.internal:8443", tls: {insecure: true}}
                """));

        // then it is warned about once applied, as a backend of the start-up file is
        within10s(() -> {
            try {
                return Files.readString(LOG).contains("backend=u1 model=unverified host=gpu-7.internal tls.insecure=true");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        assertThat(chat("sk-reload-other", "alpha")).isEqualTo(200);
    }

    @Test
    @Order(8)
    void aReloadKeepsTheOpenBreakerOfABackendItLeavesAsItWas() throws Exception {
        String flaky = """
                    flaky:
                      upstream: {circuit-breaker: {request-volume: 2, failure-ratio: 0.5, delay: 60s}}
                      backends:
                        - {name: r2, url: "${test.backend.r2}"}
                """;
        ConfigMap.swap(file(List.of("alpha"), OTHER_KEY, flaky));
        within10s(() -> chat("sk-reload-other", "flaky") == 200);
        try {
            // given: the backend fails until its breaker opens
            backends.get("r2").reply(Replies.status(503, "{}"));
            within10s(() -> chat("sk-reload-other", "flaky") == 503
                    && Scrape.now().value("sluice_circuit_state", "backend", "r2") == 2.0);
            int tried = backends.get("r2").requestCount();

            // when: the file changes, but not that backend (a comment, as a Helm upgrade of the keys would)
            double applied = Scrape.now().value("sluice_config_reloads_total", "result", "applied");
            ConfigMap.edit(file(List.of("alpha"), OTHER_KEY, flaky) + "# edited\n");
            within10s(() -> Scrape.now().value("sluice_config_reloads_total", "result", "applied") == applied + 1);

            // then: its breaker is still open and no request reaches it
            assertThat(Scrape.now().value("sluice_circuit_state", "backend", "r2")).isEqualTo(2.0);
            assertThat(chat("sk-reload-other", "flaky")).isEqualTo(503);
            assertThat(backends.get("r2").requestCount()).isEqualTo(tried);

            // and: a backend whose breaker settings change is a new backend, with a closed breaker
            ConfigMap.edit(file(List.of("alpha"), OTHER_KEY, flaky.replace("delay: 60s", "delay: 30s")));
            within10s(() -> Scrape.now().gauge("sluice_circuit_state", "backend", "r2") == 0.0);
        } finally {
            backends.get("r2").reset();
        }
    }

    @Test
    @Order(9)
    void aPlanThatAccountsOfTheAdminApiUseCannotBeRemoved() throws Exception {
        // given: a file with a plan and the admin API, and an account created at run time on that plan
        String withPlan = adminFile("  plans:\n    free: {concurrency: 2, requests-per-window: 100}\n", "");
        ConfigMap.swap(withPlan);
        within10s(() -> given().header("authorization", "Bearer " + ADMIN_KEY).body("{\"plan\":\"free\"}")
                .put("/admin/v1/accounts/onfree").statusCode() == 200);
        double rejected = Scrape.now().value("sluice_config_reloads_total", "result", "rejected");

        // when: the file drops the plan
        ConfigMap.edit(adminFile("", ""));

        // then: the reload is refused, naming the plan and who uses it, and the account keeps its plan's limits
        within10s(() -> Scrape.now().value("sluice_config_reloads_total", "result", "rejected") == rejected + 1);
        // (the counter moves before the log line reaches the file)
        within10s(() -> logContains("sluice.plans.free: is removed, but accounts of the admin API use it (onfree)"));
        given().header("authorization", "Bearer " + ADMIN_KEY).get("/admin/v1/accounts/onfree").then().statusCode(200)
                .body("usage.concurrency.limit", equalTo(2));
        // (the next step's files have no plan: the account goes)
        given().header("authorization", "Bearer " + ADMIN_KEY).delete("/admin/v1/accounts/onfree").then().statusCode(204);
    }

    @Test
    @Order(10)
    void theKeysOfAnAccountAReloadRemovedDoNotServeANewAccountOfItsName() throws Exception {
        // given: an account of the file with a key created at run time
        String withTemp = adminFile("", "    former: {concurrency: 5}\n");
        ConfigMap.swap(withTemp);
        within10s(() -> given().header("authorization", "Bearer " + ADMIN_KEY).get("/admin/v1/accounts/former")
                .statusCode() == 200);
        String secret = given().header("authorization", "Bearer " + ADMIN_KEY).body("{\"account\":\"former\"}")
                .post("/admin/v1/keys").then().statusCode(201).extract().path("key");
        assertThat(chat(secret, "alpha")).isEqualTo(200);

        // when: a reload removes the account (its key stops), then the admin API creates a new account of that name
        ConfigMap.edit(adminFile("", ""));
        within10s(() -> chat(secret, "alpha") == 401);
        given().header("authorization", "Bearer " + ADMIN_KEY).body("{}").put("/admin/v1/accounts/former")
                .then().statusCode(200);

        // then: the former account's key does not serve the new one, and is gone
        Thread.sleep(300);
        assertThat(chat(secret, "alpha")).isEqualTo(401);
        given().header("authorization", "Bearer " + ADMIN_KEY).get("/admin/v1/keys?account=former").then()
                .statusCode(200).body("data.size()", equalTo(0));
    }

    @Test
    @Order(11)
    void aBackendItsCheckMarkedDownStaysDownThroughAReloadThatChangesTheCheck() throws Exception {
        String probed = """
                    probed:
                      backends:
                        - {name: r2, url: "${test.backend.r2}", health-check: %s}
                """;
        TestBackend.Reply chat = Replies.json(200, Replies.CHAT_COMPLETION);
        boolean[] failing = {true};
        backends.get("r2").reply((request, body, response) -> (request.path().endsWith("/health")
                ? Replies.status(failing[0] ? 503 : 200, "{}") : chat).answer(request, body, response));
        try {
            // given: a check declared {}, its every default; it is sent at once, to /health
            ConfigMap.swap(file(List.of("alpha"), OTHER_KEY, probed.formatted("{}")));
            within10s(() -> backends.get("r2").received().stream()
                    .anyMatch(received -> received.uri().equals("/health") && received.method().equals("GET")));
            // and: a quicker check that marks r2 down
            ConfigMap.edit(file(List.of("alpha"), OTHER_KEY,
                    probed.formatted("{interval: 100ms, failure-threshold: 1}")));
            within10s(() -> Scrape.now().gauge("sluice_backend_healthy", "backend", "r2") == 0.0);

            // when: a reload changes its check, not its URL
            double applied = Scrape.now().value("sluice_config_reloads_total", "result", "applied");
            ConfigMap.edit(file(List.of("alpha"), OTHER_KEY,
                    probed.formatted("{interval: 150ms, failure-threshold: 1}")));
            within10s(() -> Scrape.now().value("sluice_config_reloads_total", "result", "applied") == applied + 1);

            // then: it stays down (not served) until its check passes again
            assertThat(Scrape.now().gauge("sluice_backend_healthy", "backend", "r2")).isEqualTo(0.0);
            openai("sk-reload-other").body(CHAT.formatted("probed")).post("/v1/chat/completions").then()
                    .statusCode(503).body("error.code", equalTo("no_healthy_backends"));
            failing[0] = false;
            within10s(() -> chat("sk-reload-other", "probed") == 200);

            // and: down again, a reload that removes the check serves it, and says so
            failing[0] = true;
            within10s(() -> Scrape.now().gauge("sluice_backend_healthy", "backend", "r2") == 0.0);
            ConfigMap.edit(file(List.of("alpha"), OTHER_KEY, probed.formatted("null").replace(", health-check: null", "")));
            within10s(() -> chat("sk-reload-other", "probed") == 200);
            assertThat(Files.readString(LOG))
                    .contains("Backend r2 of model probed is served again: the reload removed its health check");
        } finally {
            backends.get("r2").reset();
        }
    }

    @Test
    @Order(12)
    void aWatchedFileThatGoesAwayIsWarnedAboutAndTheRunningConfigurationStays() throws Exception {
        Path link = ConfigMap.dir.resolve("sluice.yaml");
        Path target = Files.readSymbolicLink(link);
        within10s(() -> chat("sk-reload-other", "alpha") == 200);

        // when the file is deleted (a volume unmounted, a path removed by hand)
        Files.delete(link);
        try {
            // then it is warned about, and requests are served as before
            within10s(() -> logContains("sluice.yaml cannot be read (it is gone): the running configuration stays"));
            assertThat(chat("sk-reload-other", "alpha")).isEqualTo(200);
        } finally {
            Files.createSymbolicLink(link, target);
        }
        // and its return is noted
        within10s(() -> logContains("can be read again"));
    }

    private static boolean logContains(String text) {
        try {
            return Files.readString(LOG).contains(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
