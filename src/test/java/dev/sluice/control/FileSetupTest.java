package dev.sluice.control;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.ConfigProblems;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.SluiceConfigFile;
import dev.sluice.testing.Configs;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the file's parts say about each other, checked when the file is read (at start-up and at every reload). */
class FileSetupTest {

    static List<String> problemsOf(SluiceConfig config) {
        ConfigProblems problems = new ConfigProblems();
        FileSetup.build(config, config, SluiceConfigFile.Declared.NONE, problems, (backend, breaker) -> null);
        return problems.list();
    }

    @Test
    void aSecretThatIsBothAnAdminKeyAndAnApiKeyIsRefused() {
        // an admin key is no API key (contract §10.1): one secret for both would serve both
        SluiceConfig config = Configs.of(
                "sluice.accounts.acme.concurrency", "1",
                "sluice.keys[0].key", "sk-shared", "sluice.keys[0].account", "acme",
                "sluice.admin.keys[0].key", "sk-admin-only",
                "sluice.admin.keys[1].key", "sk-shared",
                "sluice.models.m.backends[0].url", "http://h:1");

        assertThat(problemsOf(config)).containsExactly(
                "sluice.admin.keys[1]: is also an API key of sluice.keys; give the admin API a key of its own");
    }

    @Test
    void aModelNamedAutoIsRefused() {
        // chat completions and messages read "auto" as a request for automatic choice (contract §6.7)
        SluiceConfig config = Configs.of("sluice.models.auto.backends[0].url", "http://h:1",
                "sluice.models.m.backends[0].url", "http://h:2");

        assertThat(problemsOf(config)).containsExactly(
                "sluice.models.auto: 'auto' asks for automatic model choice; give this model another name");
    }
}
