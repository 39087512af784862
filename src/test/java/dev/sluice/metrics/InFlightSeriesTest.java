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
 * {@code sluice_inflight{account}}: the first accounts of the configuration have their own series, the rest count in
 * {@code other}. An account named {@code other} once took that series for itself (Micrometer ignored the second
 * registration with a WARN), and every other account's requests in flight went uncounted.
 */
class InFlightSeriesTest {

    private final MeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void anAccountNamedOtherCountsInTheOtherSeriesWithTheRest() {
        ProxyMetrics metrics = new ProxyMetrics(registry, catalog(), List.of("team", "other", "acme", "late"), 2,
                () -> false);

        metrics.started("team");
        metrics.started("other");
        metrics.started("late");
        metrics.started("made-at-run-time");
        metrics.started("acme");

        assertThat(registry.find("sluice.inflight").gauges()).extracting(gauge -> gauge.getId().getTag("account"))
                .containsExactlyInAnyOrder("team", "acme", "other");
        assertThat(inFlight("team")).isEqualTo(1.0);
        assertThat(inFlight("acme")).as("the second account with a series of its own").isEqualTo(1.0);
        assertThat(inFlight("other")).as("other, late and the run-time account").isEqualTo(3.0);

        metrics.requestEnded("other", "m", 200, "ok", "provider", 1, 1, false);
        metrics.requestEnded("made-at-run-time", "m", 200, "ok", "provider", 1, 1, false);
        assertThat(inFlight("other")).isEqualTo(1.0);
    }

    @Test
    void noSeriesWhenTurnedOff() {
        new ProxyMetrics(registry, catalog(), List.of("team", "other"), 0, () -> false);

        assertThat(registry.find("sluice.inflight").gauges()).isEmpty();
    }

    private double inFlight(String account) {
        Gauge gauge = registry.find("sluice.inflight").tag("account", account).gauge();
        assertThat(gauge).as(account).isNotNull();
        return gauge.value();
    }

    private static Catalog catalog() {
        SluiceConfig config = Configs.of("sluice.models.m.backends[0].name", "x",
                "sluice.models.m.backends[0].url", "http://127.0.0.1:9001");
        ConfigProblems problems = new ConfigProblems();
        Catalog catalog = Catalog.build(config.models(), config.upstream(), problems, (backend, breaker) -> null, null);
        assertThat(problems.list()).isEmpty();
        return catalog;
    }
}
