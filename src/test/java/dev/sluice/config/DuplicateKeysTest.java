package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A key given twice in one mapping of a configuration file is refused with its line, not read as the last one. */
class DuplicateKeysTest {

    @Test
    void aKeyGivenTwiceInOneMappingIsNamedWithItsLine() {
        String yaml = """
                sluice:
                  accounts:
                    solo: {concurrency: 1}
                    team: {concurrency: 5}
                    solo: {concurrency: 3}
                """;

        assertThat(SluiceConfigFile.duplicateKey(yaml)).isEqualTo(
                "found duplicate key solo at line 5, column 5 (a key is given once: the last one would silently win)");
    }

    @Test
    void theSameKeyInDifferentMappingsAndAFileThatIsNotYamlAreNotItsConcern() {
        assertThat(SluiceConfigFile.duplicateKey("""
                sluice:
                  accounts:
                    a: {concurrency: 1}
                    b: {concurrency: 1}
                """)).isNull();
        // the configuration source reports a broken file with its own message
        assertThat(SluiceConfigFile.duplicateKey("sluice: {accounts: [")).isNull();
    }

    @Test
    void eachFileWithADuplicateIsAProblemUnderItsName(@TempDir Path dir) throws Exception {
        Path good = Files.writeString(dir.resolve("good.yaml"), "sluice:\n  accounts: {a: {}}\n");
        Path twice = Files.writeString(dir.resolve("keys.yaml"), "sluice:\n  upstream: {retries: 1}\n  upstream: {retries: 2}\n");
        ConfigProblems problems = new ConfigProblems();

        SluiceConfigFile.checkDuplicateKeys(List.of(good, twice), problems);

        assertThat(problems.list()).containsExactly(twice + ": found duplicate key upstream at line 3, column 3 "
                + "(a key is given once: the last one would silently win)");
    }
}
