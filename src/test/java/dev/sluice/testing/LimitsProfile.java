package dev.sluice.testing;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.HashMap;
import java.util.Map;

/**
 * Accounts with one limit each (so that tests do not disturb each other), over one model served by backend "l".
 * Subclasses put the limits in Redis.
 */
public class LimitsProfile implements QuarkusTestProfile {

    public static final String[] ACCOUNTS = {"conc", "quota", "noplan", "rate", "tokens", "credits", "flood", "open",
        "settle"};

    public static String key(String account) {
        return "sk-" + account;
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = new HashMap<>();
        config.put("sluice.upstream.first-byte-timeout", "2s");
        config.put("sluice.upstream.idle-timeout", "2s");
        config.put("sluice.control-plane-rate", "3");
        config.put("sluice.topup-url", "https://billing.example/topup");
        config.put("sluice.plans.free.requests-per-window", "3");
        config.put("sluice.plans.free.window", "1h");
        config.put("sluice.plans.free.concurrency", "50");
        config.put("sluice.accounts.conc.concurrency", "2");
        config.put("sluice.accounts.quota.plan", "free");
        config.put("sluice.accounts.noplan.requests-per-window", "2");
        config.put("sluice.accounts.noplan.window", "1m");
        config.put("sluice.accounts.rate.rate", "1");
        config.put("sluice.accounts.rate.burst", "2");
        config.put("sluice.accounts.tokens.tokens-per-minute", "100");
        config.put("sluice.accounts.credits.credits", "0.02");
        config.put("sluice.accounts.flood.concurrency", "10");
        config.put("sluice.accounts.open.plan", "free");
        config.put("sluice.accounts.open.requests-per-window", "1000000");
        config.put("sluice.accounts.settle.tokens-per-minute", "1000");
        config.put("sluice.accounts.settle.credits", "1.0");
        for (int i = 0; i < ACCOUNTS.length; i++) {
            config.put("sluice.keys[" + i + "].key", key(ACCOUNTS[i]));
            config.put("sluice.keys[" + i + "].account", ACCOUNTS[i]);
        }
        // 1 credit per 1k tokens either way: a request costs (prompt + max_tokens) / 1000 credits
        config.put("sluice.models.priced.price.input-per-1k", "1.0");
        config.put("sluice.models.priced.price.output-per-1k", "1.0");
        config.put("sluice.models.priced.default-max-tokens", "40");
        config.put("sluice.models.priced.backends[0].name", "l");
        config.put("sluice.models.priced.backends[0].url", TestPorts.url("l"));
        config.putAll(store());
        return config;
    }

    /** Where the limits live: in the instance. */
    protected Map<String, String> store() {
        return Map.of("sluice.limits.store", "local");
    }
}
