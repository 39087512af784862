package dev.sluice.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.ConfigProblems;
import dev.sluice.config.SluiceConfig;
import dev.sluice.routing.Catalog;
import dev.sluice.testing.Configs;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A reload replaces a backend's object, yet its gauges stay registered throughout: a scrape during a reload must not
 * find a backend's series missing (a test waiting for a value of 0 read a missing series as 0, and an alert on a
 * missing series would fire).
 */
class BackendGaugesTest {

    private final MeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void aReloadKeepsEachKeptBackendsGaugesAndPointsThemAtItsNewObject() {
        // given: x checked, y not
        Catalog first = catalog(null, "sluice.models.m.backends[0].name", "x",
                "sluice.models.m.backends[0].url", "http://127.0.0.1:9001",
                "sluice.models.m.backends[0].health-check.path", "/health",
                "sluice.models.m.backends[1].name", "y", "sluice.models.m.backends[1].url", "http://127.0.0.1:9002");
        ProxyMetrics metrics = new ProxyMetrics(registry, first, List.of(), 0, () -> false);
        Gauge healthOfX = healthy("x");
        Gauge circuitOfY = circuit("y");
        assertThat(healthOfX.value()).isEqualTo(1.0);
        assertThat(healthy("y")).isNull();
        first.backends().get(0).healthy(false);
        assertThat(healthOfX.value()).isZero();

        // when: a reload changes x's check (a new object, still down) and gives y one
        Catalog second = catalog(first, "sluice.models.m.backends[0].name", "x",
                "sluice.models.m.backends[0].url", "http://127.0.0.1:9001",
                "sluice.models.m.backends[0].health-check.path", "/health",
                "sluice.models.m.backends[0].health-check.interval", "150ms",
                "sluice.models.m.backends[1].name", "y", "sluice.models.m.backends[1].url", "http://127.0.0.1:9002",
                "sluice.models.m.backends[1].health-check.path", "/ready");
        assertThat(second.backends().get(0)).isNotSameAs(first.backends().get(0));
        metrics.backends(second);

        // then: the same meters, reading the new objects
        assertThat(healthy("x")).isSameAs(healthOfX);
        assertThat(circuit("y")).isSameAs(circuitOfY);
        assertThat(healthOfX.value()).isZero();
        second.backends().get(0).healthy(true);
        assertThat(healthOfX.value()).isEqualTo(1.0);
        assertThat(healthy("y").value()).isEqualTo(1.0);

        // and: a reload that drops x's check and removes y removes their series
        Catalog third = catalog(second, "sluice.models.m.backends[0].name", "x",
                "sluice.models.m.backends[0].url", "http://127.0.0.1:9001");
        metrics.backends(third);
        assertThat(healthy("x")).isNull();
        assertThat(circuit("x")).isNotNull();
        assertThat(circuit("y")).isNull();
        assertThat(healthy("y")).isNull();
    }

    private Gauge healthy(String backend) {
        return registry.find("sluice.backend.healthy").tags("backend", backend, "model", "m").gauge();
    }

    private Gauge circuit(String backend) {
        return registry.find("sluice.circuit.state").tags("backend", backend, "model", "m").gauge();
    }

    private static Catalog catalog(Catalog previous, String... keyValues) {
        SluiceConfig config = Configs.of(keyValues);
        ConfigProblems problems = new ConfigProblems();
        Catalog catalog = Catalog.build(config.models(), config.upstream(), problems, (backend, breaker) -> null,
                previous);
        assertThat(problems.list()).isEmpty();
        return catalog;
    }
}
