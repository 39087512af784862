package dev.sluice.upstream;

import static dev.sluice.testing.Api.openai;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import dev.sluice.testing.Scrape;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestCertificates;
import dev.sluice.testing.TestPorts;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Contract §11 against real https backends (in-process Vert.x servers with certificates made by openssl at test
 * time): verification against {@code sluice.upstream.tls.ca-file} with host name verification and SNI, failures that
 * are connect errors retried on the next backend before a byte is sent, and the per-backend insecure switch.
 */
@QuarkusTest
@TestProfile(UpstreamTlsTest.Profile.class)
class UpstreamTlsTest {

    static final String KEY = "sk-test-tls";
    static final Path LOG = Path.of("target", "upstream-tls-test.log");

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            TestCertificates certificates = TestCertificates.get();
            Map<String, String> config = new HashMap<>();
            config.put("sluice.upstream.tls.ca-file", certificates.caFile().toString());
            config.put("sluice.upstream.circuit-breaker.request-volume", "1000000");
            config.put("sluice.accounts.acme.concurrency", "100");
            config.put("sluice.keys[0].key", KEY);
            config.put("sluice.keys[0].account", "acme");
            config.put("quarkus.log.file.enabled", "true");
            config.put("quarkus.log.file.path", LOG.toString());
            backend(config, "trusted", 0, "t-good", "good", 1);
            backend(config, "trusted-by-address", 0, "a-good", "good-by-address", 1);
            config.put("sluice.models.trusted-by-address.backends[0].url",
                    "https://127.0.0.1:" + TestPorts.of("tls-good-by-address"));
            backend(config, "untrusted", 0, "u-self", "self", 1);
            backend(config, "mismatch", 0, "m-other", "other", 1);
            // the heavier idle backend is tried first: both bad ones before the good one
            backend(config, "retried", 0, "r-self", "self", 3);
            backend(config, "retried", 1, "r-other", "other", 2);
            backend(config, "retried", 2, "r-good", "good", 1);
            backend(config, "insecure", 0, "i-self", "self", 1);
            config.put("sluice.models.insecure.backends[0].tls.insecure", "true");
            backend(config, "insecure-other-host", 0, "i-other", "other", 1);
            config.put("sluice.models.insecure-other-host.backends[0].tls.insecure", "true");
            return config;
        }

        static void backend(Map<String, String> config, String model, int index, String name, String server,
                int weight) {
            String prefix = "sluice.models." + model + ".backends[" + index + "].";
            config.put(prefix + "name", name);
            config.put(prefix + "url", "https://localhost:" + TestPorts.of("tls-" + server));
            config.put(prefix + "weight", Integer.toString(weight));
        }
    }

    static final String CHAT = "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    static TestBackend good;
    /** The same certificate (it also names 127.0.0.1), reached by its address. */
    static TestBackend goodByAddress;
    static TestBackend self;
    static TestBackend other;

    @BeforeAll
    static void start() {
        TestCertificates certificates = TestCertificates.get();
        good = TestBackend.startTls("tls-good", certificates.localhost());
        goodByAddress = TestBackend.startTls("tls-good-by-address", certificates.localhost());
        self = TestBackend.startTls("tls-self", certificates.selfSigned());
        other = TestBackend.startTls("tls-other", certificates.otherHost());
    }

    @AfterAll
    static void stop() {
        List.of(good, goodByAddress, self, other).forEach(TestBackend::close);
    }

    @BeforeEach
    void reset() {
        List.of(good, goodByAddress, self, other).forEach(TestBackend::reset);
    }

    @Test
    void aCertificateSignedByTheCaFileIsTrustedAndTheHostIsNamedInSni() {
        openai(KEY).body(CHAT.formatted("trusted")).post("/v1/chat/completions").then()
                .statusCode(200).body("id", equalTo("chatcmpl-1"));

        assertThat(good.requestCount()).isEqualTo(1);
        // the JDK alone sends no SNI for a dotless name such as localhost
        assertThat(good.serverNames()).isNotEmpty().containsOnly("localhost");
    }

    @Test
    void aBackendNamedByItsAddressIsVerifiedAgainstItAndGetsNoSni() {
        openai(KEY).body(CHAT.formatted("trusted-by-address")).post("/v1/chat/completions").then()
                .statusCode(200).body("id", equalTo("chatcmpl-1"));

        assertThat(goodByAddress.requestCount()).isEqualTo(1);
        // RFC 6066 §3: a host name only, never an address; the certificate's IP entry is what is verified
        assertThat(goodByAddress.serverNames()).isNotEmpty().containsOnly("null");
    }

    @Test
    void anUntrustedCertificateIsAConnectErrorAndNothingIsSent() throws Exception {
        for (int i = 0; i < 2; i++) {
            openai(KEY).body(CHAT.formatted("untrusted")).post("/v1/chat/completions").then()
                    .statusCode(502)
                    .body("error.code", equalTo("backend_connect_error"))
                    .body("error.attempts", hasSize(1))
                    .body("error.attempts[0].backend", equalTo("u-self"))
                    .body("error.attempts[0].code", equalTo("backend_connect_error"));
        }

        assertThat(self.requestCount()).isZero();
        // the client and the access log say backend_connect_error; the log says why, once for the two requests
        assertThat(Files.readString(LOG).lines().filter(line -> line.contains("backend=u-self model=untrusted could not "
                + "be reached: SSLHandshakeException: Failed to create SSL connection (SunCertPathBuilderException: "
                + "unable to find valid certification path to requested target)"))).hasSize(1);
    }

    @Test
    void aCertificateForAnotherHostIsAConnectErrorAndNothingIsSent() throws Exception {
        openai(KEY).body(CHAT.formatted("mismatch")).post("/v1/chat/completions").then()
                .statusCode(502)
                .body("error.code", equalTo("backend_connect_error"))
                .body("error.attempts", hasSize(1))
                .body("error.attempts[0].backend", equalTo("m-other"))
                .body("error.attempts[0].code", equalTo("backend_connect_error"));

        assertThat(other.requestCount()).isZero();
        assertThat(Files.readString(LOG)).containsPattern("WARN .*backend=m-other model=mismatch could not be reached: "
                + "SSLHandshakeException: .*No subject alternative DNS name matching localhost found");
    }

    @Test
    void certificateFailuresAreRetriedOnTheModelsNextBackend() {
        // given
        Scrape before = Scrape.now();

        // when
        openai(KEY).body(CHAT.formatted("retried")).post("/v1/chat/completions").then()
                .statusCode(200).body("id", equalTo("chatcmpl-1"));

        // then
        Scrape after = Scrape.now();
        for (String failed : List.of("r-self", "r-other")) {
            String[] labels = {"backend", failed, "reason", "backend_connect_error"};
            assertThat(after.value("sluice_retries_total", labels) - before.value("sluice_retries_total", labels))
                    .as("retries after %s", failed).isEqualTo(1);
        }
        assertThat(good.requestCount()).isEqualTo(1);
        assertThat(self.requestCount()).isZero();
        assertThat(other.requestCount()).isZero();
    }

    @Test
    void theInsecureSwitchSkipsVerificationAndIsWarnedAtStartUp() throws Exception {
        // neither a self-signed certificate nor another host's name stops a request
        for (String model : List.of("insecure", "insecure-other-host")) {
            openai(KEY).body(CHAT.formatted(model)).post("/v1/chat/completions").then()
                    .statusCode(200).body("id", equalTo("chatcmpl-1"));
        }

        assertThat(self.requestCount()).isEqualTo(1);
        assertThat(other.requestCount()).isEqualTo(1);
        String log = Files.readString(LOG);
        assertThat(log).containsPattern("WARN .*backend=i-self model=insecure host=localhost tls.insecure=true: "
                + "its TLS certificate and host name are NOT verified");
        assertThat(log).containsPattern("WARN .*backend=i-other model=insecure-other-host host=localhost "
                + "tls.insecure=true: its TLS certificate and host name are NOT verified");
        assertThat(log.lines().filter(line -> line.contains("tls.insecure=true"))).hasSize(2);
    }
}
