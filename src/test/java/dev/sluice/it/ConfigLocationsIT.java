package dev.sluice.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.Backends;
import dev.sluice.testing.SluiceProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A second configuration file named by {@code quarkus.config.locations} (contract §7), as the chart mounts its
 * {@code keys.yaml} beside {@code sluice.yaml}: an account it declares with nothing in it is an account (§4.2), as
 * in the SLUICE_CONFIG file.
 */
class ConfigLocationsIT {

    static Backends backends;
    static SluiceProcess sluice;

    @BeforeAll
    static void start() throws Exception {
        backends = Backends.start("loc");
        Path keys = Files.createTempDirectory("sluice-locations").resolve("keys.yaml");
        Files.writeString(keys, """
                sluice:
                  accounts:
                    open: {}
                  keys:
                    - {key: sk-open, account: open}
                """);
        sluice = SluiceProcess.start("locations", """
                sluice:
                  accounts:
                    acme: {concurrency: 10}
                  # "none" as users write it: the keys come from the other file, and no admin API
                  keys: []
                  admin:
                    keys: []
                  models:
                    chat:
                      backends:
                        - {name: loc, url: "%s"}
                """.formatted("http://127.0.0.1:" + backends.get("loc").port()),
                Map.of("QUARKUS_CONFIG_LOCATIONS", keys.toString()));
    }

    @AfterAll
    static void stop() {
        if (sluice != null) {
            sluice.close();
        }
        backends.close();
    }

    @Test
    void anAccountDeclaredEmptyInTheSecondFileServesItsKey() throws Exception {
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + sluice.port() + "/v1/chat/completions"))
                .header("authorization", "Bearer sk-open").header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    }

    @Test
    void emptyListsInTheSecondFileReplaceTheFirstFilesAsAListWould() throws Exception {
        // given sluice.yaml with a key and the admin API, and a keys.yaml that says "none" of either
        Path keys = Files.createTempDirectory("sluice-locations").resolve("keys.yaml");
        Files.writeString(keys, """
                sluice:
                  keys: []
                  admin:
                    keys: []
                """);
        try (SluiceProcess replaced = SluiceProcess.start("locations-empty", """
                sluice:
                  accounts:
                    acme: {}
                  keys:
                    - {key: sk-main, account: acme}
                  admin:
                    keys:
                      - key: admin-main
                  models:
                    chat:
                      backends:
                        - {name: loc, url: "%s"}
                """.formatted("http://127.0.0.1:" + backends.get("loc").port()),
                Map.of("QUARKUS_CONFIG_LOCATIONS", keys.toString()))) {
            HttpClient client = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + replaced.port();

            // then neither is left: the key answers 401, the admin API 404
            HttpResponse<String> models = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/models"))
                    .header("authorization", "Bearer sk-main").GET().build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> admin = client.send(HttpRequest.newBuilder(URI.create(base + "/admin/v1/keys"))
                    .header("authorization", "Bearer admin-main").GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(models.statusCode()).as(models.body()).isEqualTo(401);
            assertThat(admin.statusCode()).as(admin.body()).isEqualTo(404);
        }
    }

    @Test
    void emptyListsOfKeysMeanNoneAndTheAdminApiIsOff() throws Exception {
        HttpResponse<String> admin = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + sluice.port() + "/admin/v1/keys"))
                .header("authorization", "Bearer sk-open").GET().build(), HttpResponse.BodyHandlers.ofString());

        assertThat(admin.statusCode()).as(admin.body()).isEqualTo(404);
        assertThat(admin.body()).contains("\"code\":\"not_found\"");
    }

    @Test
    void aMistypedBooleanStopsStartUpNamingItsKeyPathRatherThanReadAsFalse() {
        // the configuration library reads every word but its true ones as false: this typo turned validation off
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SluiceProcess.start("typo", """
                sluice:
                  validation: {enabled: ture}
                  accounts: {acme: {}}
                  keys: [{key: sk-typo, account: acme}]
                  models:
                    chat:
                      backends: [{url: "http://127.0.0.1:9"}]
                """, Map.of()).close())
                .hasMessageContaining("Sluice exited at start-up")
                .hasMessageContaining("sluice.validation.enabled with the config value \"ture\"")
                .hasMessageContaining("Expected true or false, got \"ture\"");
    }

    @Test
    void aKeyGivenTwiceStopsStartUpNamingTheFileAndTheLine() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SluiceProcess.start("twice", """
                sluice:
                  accounts:
                    acme: {concurrency: 1}
                    acme: {concurrency: 3}
                  keys: [{key: sk-twice, account: acme}]
                  models:
                    chat:
                      backends: [{url: "http://127.0.0.1:9"}]
                """, Map.of()).close())
                .hasMessageContaining("Sluice exited at start-up")
                .hasMessageContaining("Invalid Sluice configuration: ")
                .hasMessageContaining("sluice.yaml: found duplicate key acme at line 4, column 5");
    }
}
