package dev.sluice.config;

import io.smallrye.config.source.yaml.YamlConfigSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.microprofile.config.spi.ConfigSource;
import org.eclipse.microprofile.config.spi.ConfigSourceProvider;

/**
 * Reads the YAML file named by the {@code SLUICE_CONFIG} environment variable (or the {@code sluice.config} system
 * property). It ranks above the packaged defaults and below environment variables and system properties, so that
 * {@code SLUICE_…} variables still override single keys.
 */
public class SluiceConfigFile implements ConfigSourceProvider {

    /** Above application.yaml (255), below environment variables (300). */
    static final int ORDINAL = 270;

    @Override
    public Iterable<ConfigSource> getConfigSources(ClassLoader classLoader) {
        String location = System.getProperty("sluice.config", System.getenv("SLUICE_CONFIG"));
        if (location == null || location.isBlank()) {
            return List.of();
        }
        Path path = Path.of(location.trim());
        if (!Files.isReadable(path)) {
            throw new IllegalStateException("SLUICE_CONFIG names '" + path + "', which is not a readable file");
        }
        try {
            return List.of(new YamlConfigSource(path.toUri().toURL(), ORDINAL));
        } catch (IOException e) {
            throw new UncheckedIOException("SLUICE_CONFIG file '" + path + "' could not be read", e);
        }
    }
}
