package dev.sluice.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.auth.KeyRing;
import dev.sluice.config.ConfigProblems;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.SluiceConfigFile;
import dev.sluice.testing.Configs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Accounts and plans as users declare them, the empty ones included (contract §4.2). */
class AccountsTest {

    @TempDir
    Path dir;

    @Test
    void anAccountOrPlanDeclaredWithNothingIsValidAndUnlimited() throws Exception {
        // given: the natural way to say "no limits", as a user's file says it
        Path file = Files.writeString(dir.resolve("sluice.yaml"), """
                sluice:
                  plans:
                    basic: {}
                  accounts:
                    acme: {}
                    bare:
                    tiered: {plan: basic}
                    solo: {concurrency: 1}
                  keys:
                    - {key: sk-acme, account: acme}
                    - {key: sk-bare, account: bare}
                    - {key: sk-tiered, account: tiered}
                """);
        // what the configuration sources give for it: empty maps are dropped
        SluiceConfig config = Configs.of("sluice.accounts.tiered.plan", "basic", "sluice.accounts.solo.concurrency", "1",
                "sluice.keys[0].key", "sk-acme", "sluice.keys[0].account", "acme",
                "sluice.keys[1].key", "sk-bare", "sluice.keys[1].account", "bare",
                "sluice.keys[2].key", "sk-tiered", "sluice.keys[2].account", "tiered");
        ConfigProblems problems = new ConfigProblems();

        // when
        SluiceConfigFile.Declared declared = SluiceConfigFile.declaredEmpty(file);
        Accounts accounts = Accounts.build(config, declared, problems);
        KeyRing.build(config.keys().orElse(List.of()), accounts.names(), Set.of(), problems);

        // then: no problem, and the empty ones have no limit at all
        assertThat(declared.emptyAccounts()).containsExactlyInAnyOrder("acme", "bare");
        assertThat(declared.emptyPlans()).containsExactly("basic");
        assertThat(problems.list()).isEmpty();
        assertThat(accounts.get("acme").unlimited()).isTrue();
        assertThat(accounts.get("bare").unlimited()).isTrue();
        assertThat(accounts.get("tiered").unlimited()).isTrue();
        assertThat(accounts.get("tiered").planTier()).isEqualTo("basic");
        assertThat(accounts.get("solo").concurrency()).isEqualTo(1);
    }

    @Test
    void aBurstWithoutARateAndAWindowWithoutRequestsAreRefusedNotIgnored() {
        SluiceConfig config = Configs.of("sluice.accounts.bursty.burst", "5",
                "sluice.accounts.windowed.window", "1h",
                "sluice.plans.paced.rate", "2", "sluice.accounts.planned.plan", "paced",
                "sluice.accounts.planned.burst", "4",
                "sluice.accounts.whole.requests-per-window", "10", "sluice.accounts.whole.window", "1h");
        ConfigProblems problems = new ConfigProblems();

        Accounts.build(config, SluiceConfigFile.Declared.NONE, problems);

        // a burst on a plan's rate, and a window with its requests, are fine
        assertThat(problems.list()).containsExactlyInAnyOrder(
                "sluice.accounts.bursty.burst: applies to a rate (requests per second), and neither the account nor its "
                        + "plan sets one: alone it limits nothing",
                "sluice.accounts.windowed.window: applies to requests-per-window, and neither the account nor its plan "
                        + "sets it: alone it limits nothing");
    }

    @Test
    void aKeyNamingAnAccountNobodyDeclaredIsStillRefused() {
        SluiceConfig config = Configs.of("sluice.keys[0].key", "sk-x", "sluice.keys[0].account", "ghost");
        ConfigProblems problems = new ConfigProblems();

        Accounts accounts = Accounts.build(config, SluiceConfigFile.Declared.NONE, problems);
        KeyRing.build(config.keys().orElse(List.of()), accounts.names(), Set.of(), problems);

        assertThat(problems.list()).containsExactly("sluice.keys[0].account: names unknown account 'ghost'");
    }
}
