package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An empty list of keys means none, in one file and across files, as a non-empty list replaces the other file's. */
class EmptyListsInterceptorTest {

    private static final Map<String, String> MAIN = Map.of(
            "sluice.keys[0].key", "k-main", "sluice.keys[0].account", "a",
            "sluice.admin.keys[0].key", "admin-main");

    private static SmallRyeConfig config(Map<String, String> main, Map<String, String> locations) {
        return new SmallRyeConfigBuilder().addDefaultInterceptors().withInterceptors(new EmptyListsInterceptor())
                .withSources(new PropertiesConfigSource(main, "sluice.yaml", 255),
                        new PropertiesConfigSource(locations, "keys.yaml", 265))
                .build();
    }

    private static long entries(SmallRyeConfig config, String list) {
        return java.util.stream.StreamSupport.stream(config.getPropertyNames().spliterator(), false)
                .filter(name -> name.startsWith(list + "[")).count();
    }

    @Test
    void anEmptyListInTheWinningFileHidesTheOthersEntries() {
        SmallRyeConfig config = config(MAIN, Map.of("sluice.keys", "", "sluice.admin.keys", ""));

        assertThat(entries(config, "sluice.keys")).isZero();
        assertThat(entries(config, "sluice.admin.keys")).isZero();
        assertThat(config.getOptionalValue("sluice.keys[0].key", String.class)).isEmpty();
        assertThat(config.getOptionalValue("sluice.admin.keys[0].key", String.class)).isEmpty();
        assertThat(config.getOptionalValue("sluice.keys", String.class)).isEmpty();
    }

    @Test
    void anEmptyListInTheLosingFileHidesNothing() {
        SmallRyeConfig config = config(Map.of("sluice.keys", "", "sluice.admin.keys", ""),
                Map.of("sluice.keys[0].key", "k-extra", "sluice.keys[0].account", "b"));

        assertThat(config.getValue("sluice.keys[0].key", String.class)).isEqualTo("k-extra");
        assertThat(entries(config, "sluice.keys")).isEqualTo(2);
    }

    @Test
    void withoutAnEmptyListEveryEntryStays() {
        SmallRyeConfig config = config(MAIN, Map.of("sluice.max-body-size", "1M"));

        assertThat(config.getValue("sluice.keys[0].key", String.class)).isEqualTo("k-main");
        assertThat(config.getValue("sluice.admin.keys[0].key", String.class)).isEqualTo("admin-main");
    }
}
