package dev.sluice.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.ConfigProblems;
import dev.sluice.config.SluiceConfig;
import dev.sluice.routing.Backend;
import dev.sluice.routing.Catalog;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Which client each backend gets, including backends the clients were not made for (a reload adds them). */
class UpstreamClientsTest {

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private static Catalog catalog(String... keyValues) {
        Map<String, String> properties = new HashMap<>();
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            properties.put(keyValues[i], keyValues[i + 1]);
        }
        SluiceConfig config = new SmallRyeConfigBuilder().withMapping(SluiceConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                .withSources(new PropertiesConfigSource(properties, "test", 100)).build()
                .getConfigMapping(SluiceConfig.class);
        ConfigProblems problems = new ConfigProblems();
        Catalog catalog = Catalog.build(config.models(), config.upstream(), problems, (backend, breaker) -> null);
        assertThat(problems.list()).isEmpty();
        return catalog;
    }

    private static SluiceConfig.Upstream upstream() {
        return new SmallRyeConfigBuilder().withMapping(SluiceConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                .build().getConfigMapping(SluiceConfig.class).upstream();
    }

    @Test
    void backendsAReloadAddsGetTheirOwnKindOfClient() {
        // the clients are made for a catalogue of one plain backend
        UpstreamClients clients = new UpstreamClients(vertx,
                catalog("sluice.models.m.backends[0].url", "http://vllm:8000"), upstream());
        Catalog reloaded = catalog("sluice.models.m.backends[0].url", "http://vllm:8000",
                "sluice.models.m.backends[1].url", "https://vllm-b:8443",
                "sluice.models.m.backends[2].url", "https://vllm-c:8443",
                "sluice.models.m.backends[2].tls.insecure", "true",
                "sluice.models.m.backends[3].url", "https://10.0.0.7:8443",
                "sluice.models.m.backends[4].url", "https://[fd00::7]:8443",
                "sluice.models.m.backends[4].tls.insecure", "true");
        Backend plain = reloaded.model("m").backends().get(0);
        Backend verified = reloaded.model("m").backends().get(1);
        Backend insecure = reloaded.model("m").backends().get(2);
        Backend byAddress = reloaded.model("m").backends().get(3);
        Backend insecureByAddress = reloaded.model("m").backends().get(4);

        HttpClient verifying = clients.clientFor(plain);

        assertThat(clients.clientFor(verified)).isSameAs(verifying);
        assertThat(byAddress.namedByAddress()).isTrue();
        assertThat(insecureByAddress.namedByAddress()).isTrue();
        assertThat(verified.namedByAddress()).isFalse();
        // each other kind is made when first needed, once (it used to be null for a backend added by a reload)
        HttpClient unverified = clients.clientFor(insecure);
        HttpClient withoutSni = clients.clientFor(byAddress);
        HttpClient unverifiedWithoutSni = clients.clientFor(insecureByAddress);
        assertThat(java.util.List.of(verifying, unverified, withoutSni, unverifiedWithoutSni)).doesNotContainNull()
                .doesNotHaveDuplicates();
        assertThat(clients.clientFor(insecure)).isSameAs(unverified);
        assertThat(clients.clientFor(byAddress)).isSameAs(withoutSni);
        assertThat(clients.clientFor(insecureByAddress)).isSameAs(unverifiedWithoutSni);
        clients.close().toCompletionStage().toCompletableFuture().join();
    }
}
