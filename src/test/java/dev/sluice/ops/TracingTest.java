package dev.sluice.ops;

import static dev.sluice.testing.Api.openai;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.Backends;
import dev.sluice.testing.InjectBackends;
import dev.sluice.testing.BackendsResource;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.prometheus.client.exemplars.ExemplarSampler;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * With OpenTelemetry switched on, a request is one trace: the client's traceparent is continued, a server span and
 * a client span are exported, and the backend receives the trace with the client span as its parent.
 */
@QuarkusTest
@TestProfile(TracingTest.Profile.class)
class TracingTest {

    static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";

    public static class Profile implements QuarkusTestProfile {
        @Override
        public java.util.List<TestResourceEntry> testResources() {
            return java.util.List.of(BackendsResource.of("t1"));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>();
            config.put("quarkus.otel.sdk.disabled", "false");
            config.put("quarkus.otel.bsp.schedule.delay", "10ms");
            config.put("quarkus.otel.exporter.otlp.traces.endpoint", "http://127.0.0.1:1");
            config.put("sluice.accounts.acme.concurrency", "5");
            config.put("sluice.keys[0].key", "sk-traced");
            config.put("sluice.keys[0].account", "acme");
            config.put("sluice.models.chat.backends[0].name", "t1");
            config.put("sluice.models.chat.backends[0].url", BackendsResource.url("t1"));
            return config;
        }
    }

    /** Spans land here instead of a collector. */
    @ApplicationScoped
    static class Exporter {
        @Produces
        @ApplicationScoped
        InMemorySpanExporter spans() {
            return InMemorySpanExporter.create();
        }
    }

    @Inject
    InMemorySpanExporter exporter;

    @InjectBackends
    Backends backends;

    @Inject
    Optional<ExemplarSampler> exemplarSampler;

    /** With tracing on, the Prometheus histograms keep Quarkus' exemplars (see {@code Exemplars}). */
    @Test
    void withTracingOnTheRegistryKeepsItsExemplarSampler() {
        assertThat(exemplarSampler).isPresent();
    }

    @Test
    void continuesTheClientsTraceThroughAServerAndAClientSpan() throws Exception {
        openai("sk-traced").header("traceparent", "00-" + TRACE_ID + "-b7ad6b7169203331-01")
                .body("{\"model\":\"chat\",\"messages\":[]}").post("/v1/chat/completions").then().statusCode(200);

        String upstream = backends.get("t1").last().header("traceparent");
        assertThat(backends.get("t1").last().headers().getAll("traceparent")).hasSize(1);
        assertThat(upstream).startsWith("00-" + TRACE_ID + "-").doesNotContain("b7ad6b7169203331");

        List<SpanData> spans = List.of();
        for (int i = 0; i < 100 && spans.size() < 2; i++) {
            Thread.sleep(20);
            spans = exporter.getFinishedSpanItems().stream().filter(span -> span.getTraceId().equals(TRACE_ID)).toList();
        }
        assertThat(spans).extracting(SpanData::getKind).contains(SpanKind.SERVER, SpanKind.CLIENT);
        SpanData client = spans.stream().filter(span -> span.getKind() == SpanKind.CLIENT).findFirst().orElseThrow();
        assertThat(upstream).contains(client.getSpanId());
    }
}
