package dev.sluice.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A {@code quarkus.config.locations} entry that names nothing is found, to be warned about at start-up. */
class MissingLocationsTest {

    @Test
    void aLocationThatDoesNotExistIsNamedAndOneThatDoesIsNot(@TempDir Path dir) throws Exception {
        Path keys = Files.writeString(dir.resolve("keys.yaml"), "sluice: {}\n");
        String missing = dir.resolve("secrets").resolve("keys.yaml").toString();
        var config = new SmallRyeConfigBuilder().withSources(new PropertiesConfigSource(Map.of(
                "quarkus.config.locations", keys + ",file:" + missing + "," + dir), "test", 100)).build();

        assertThat(dev.sluice.config.SluiceConfigFile.missingLocations(config)).containsExactly("file:" + missing);
    }
}
