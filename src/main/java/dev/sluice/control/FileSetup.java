package dev.sluice.control;

import dev.sluice.auth.AdminKeys;
import dev.sluice.auth.KeyRing;
import dev.sluice.config.ConfigProblems;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.SluiceConfigFile;
import dev.sluice.limits.Accounts;
import dev.sluice.routing.Catalog;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What the configuration file gives the request path and the admin API, validated as one: the model catalogue, the
 * keys, the accounts (resolved, and as declared), the plans, the admin keys. Built at start-up and at every reload
 * (contract §10.2); immutable.
 *
 * @param accountConfigs the accounts as the file declares them (what the admin API shows of them)
 */
public record FileSetup(Catalog catalog, KeyRing keys, Accounts accounts,
        Map<String, SluiceConfig.Account> accountConfigs, Map<String, SluiceConfig.Plan> plans, Duration defaultWindow,
        AdminKeys adminKeys) {

    /**
     * Builds it from {@code config}, adding every problem (key paths named) to {@code problems}.
     *
     * @param effective the configuration whose models, keys and accounts are served (the demo's when no model is
     *     configured), {@code config} for everything else
     */
    public static FileSetup build(SluiceConfig config, SluiceConfig effective, SluiceConfigFile.Declared declaredEmpty,
            ConfigProblems problems, Catalog.BreakerFactory breakers) {
        return build(config, effective, declaredEmpty, problems, breakers, null);
    }

    /** As the other, for a reload: the running catalogue's unchanged backends are kept, breakers and all. */
    public static FileSetup build(SluiceConfig config, SluiceConfig effective, SluiceConfigFile.Declared declaredEmpty,
            ConfigProblems problems, Catalog.BreakerFactory breakers, Catalog running) {
        Catalog catalog = Catalog.build(effective.models(), config.upstream(), problems, breakers, running, declaredEmpty);
        Accounts accounts = Accounts.build(effective, declaredEmpty, problems);
        KeyRing keys = KeyRing.build(effective.keys().orElse(List.of()), accounts.names(),
                effective.models().keySet(), problems);
        AdminKeys adminKeys = AdminKeys.build(config.admin().keys().orElse(List.of()), keys, problems);
        return new FileSetup(catalog, keys, accounts, Map.copyOf(Accounts.declared(effective, declaredEmpty)),
                Map.copyOf(Accounts.plans(effective, declaredEmpty)), config.limits().defaultWindow(), adminKeys);
    }
}
