package dev.sluice.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.ConfigProblems;
import dev.sluice.config.SluiceConfig;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BackendSelectorTest {

    private static List<Backend> backends(String... urlAndWeight) {
        String[] pairs = new String[urlAndWeight.length * 2];
        for (int i = 0; i < urlAndWeight.length / 2; i++) {
            pairs[4 * i] = "sluice.models.m.backends[" + i + "].url";
            pairs[4 * i + 1] = urlAndWeight[2 * i];
            pairs[4 * i + 2] = "sluice.models.m.backends[" + i + "].weight";
            pairs[4 * i + 3] = urlAndWeight[2 * i + 1];
        }
        SluiceConfig config = CatalogTest.config(pairs);
        return Catalog.build(config.models(), config.upstream(), new ConfigProblems(), (backend, breaker) -> null).model("m").backends();
    }

    @Test
    void picksTheLessLoadedOfTwo() {
        List<Backend> two = backends("http://h:1", "1", "http://h:2", "1");
        for (int i = 0; i < 5; i++) {
            two.get(0).acquire();
        }
        for (int i = 0; i < 50; i++) {
            assertThat(BackendSelector.choose(two, Set.of(), System.nanoTime())).isSameAs(two.get(1));
        }
    }

    @Test
    void followsTheWeightsWhenLoadIsEqual() {
        List<Backend> three = backends("http://h:1", "1", "http://h:2", "1", "http://h:3", "8");
        Map<String, Integer> picks = new HashMap<>();
        for (int i = 0; i < 10_000; i++) {
            picks.merge(BackendSelector.choose(three, Set.of(), System.nanoTime()).name(), 1, Integer::sum);
        }
        // the heavy backend is in (almost) every drawn pair: it wins about half of them and more than either light one
        assertThat(picks.get("m-2")).isGreaterThan(picks.get("m-0") * 2).isGreaterThan(picks.get("m-1") * 2);
    }

    @Test
    void neverPicksATriedBackendAndAnswersNullWhenNoneIsLeft() {
        List<Backend> two = backends("http://h:1", "1", "http://h:2", "1");
        Set<Backend> tried = new HashSet<>(Set.of(two.get(0)));
        for (int i = 0; i < 20; i++) {
            assertThat(BackendSelector.choose(two, tried, System.nanoTime())).isSameAs(two.get(1));
        }
        tried.add(two.get(1));
        assertThat(BackendSelector.choose(two, tried, System.nanoTime())).isNull();
    }
}
