package dev.sluice.testing;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The proxy configuration most end-to-end tests share: models over {@link TestBackend}s started by
 * {@link BackendsResource}, short timeouts, a circuit breaker too lenient to open during tests (the breaker's test
 * has its own profile), and accounts with one limit each (so that the limit tests do not disturb each other) over
 * the model {@code priced}, with the limits in this instance ({@link RedisLimitsProfile} puts them in Redis).
 */
public class ProxyProfile implements QuarkusTestProfile {

    public static final String KEY = "sk-test-acme";
    public static final String OPENAI_ONLY_KEY = "sk-test-openai-only";
    public static final String ANTHROPIC_ONLY_KEY = "sk-test-anthropic-only";
    public static final String LIMITED_KEY = "sk-test-limited";
    /** Reaches only the automatic-choice models auto-free, auto-small and auto-big (account {@code chooser}). */
    public static final String AUTO_KEY = "sk-test-auto";
    /** Reaches only the automatic-choice model auto-claude (Anthropic). */
    public static final String AUTO_ANTHROPIC_KEY = "sk-test-auto-anthropic";
    /** The admin API's key (contract §10.1). */
    public static final String ADMIN_KEY = "sk-test-admin";

    /** Accounts of the limit tests, each reached by the key {@link #key(String)}. */
    public static final String[] ACCOUNTS = {"conc", "quota", "noplan", "rate", "tokens", "credits", "flood", "open",
        "settle", "settlecut", "serial", "embed", "hedge", "adminfile", "adminmon"};

    /** Every backend the profile's models use; g and g2 are never started (nothing listens there). */
    static final String[] BACKENDS = {"a", "b", "c", "d", "e", "f", "h", "i", "j", "k", "l",
        ValidationModels.OPENAI_BACKEND, ValidationModels.ANTHROPIC_BACKEND, "ha", "hb", "ra", "rb", "aa", "ab", "ac",
        "ad"};

    public static String key(String account) {
        return "sk-" + account;
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(BackendsResource.of(BACKENDS));
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = new HashMap<>();
        config.put("sluice.upstream.connect-timeout", "500ms");
        config.put("sluice.upstream.first-byte-timeout", "400ms");
        config.put("sluice.upstream.idle-timeout", "400ms");
        config.put("sluice.upstream.circuit-breaker.request-volume", "1000000");
        config.put("sluice.max-body-size", "64K");
        // short, so that the slow-client tests (HostileInputTest) are quick; no other test sends a request slowly
        config.put("sluice.client-timeout", "2s");

        // browser pages from these origins may call /v1 (CorsTest); no other test sends an origin
        config.put("sluice.cors.origins[0]", "https://app.example.com");
        config.put("sluice.cors.origins[1]", "/https://[a-z0-9-]+\\.preview\\.example\\.com/");

        config.put("sluice.accounts.acme.concurrency", "1000");
        keys(config);
        config.put("sluice.admin.keys[0].key", ADMIN_KEY);

        // two backends, the model known upstream by another name
        model(config, "chat", "upstream/chat-1", "a", "b");
        // a backend behind a path prefix, with its own key
        config.put("sluice.models.prefixed.backends[0].name", "c");
        config.put("sluice.models.prefixed.backends[0].url", BackendsResource.url("c") + "/gw/openai/");
        config.put("sluice.models.prefixed.backends[0].api-key", "backend-secret-c");
        // an Anthropic model
        config.put("sluice.models.claude.protocol", "anthropic");
        config.put("sluice.models.claude.backends[0].name", "d");
        config.put("sluice.models.claude.backends[0].url", BackendsResource.url("d"));
        config.put("sluice.models.claude.backends[0].api-key", "backend-secret-d");
        // an Anthropic model falling back to an OpenAI one (chat)
        config.put("sluice.models.claude-or-chat.protocol", "anthropic");
        config.put("sluice.models.claude-or-chat.backends[0].name", "d-or-chat");
        config.put("sluice.models.claude-or-chat.backends[0].url", BackendsResource.url("d"));
        config.put("sluice.models.claude-or-chat.fallbacks[0]", "chat");
        // fallbacks
        model(config, "primary", null, "e");
        config.put("sluice.models.primary.fallbacks[0]", "secondary");
        model(config, "secondary", "secondary-upstream", "f");
        // nothing listens on g's port
        unreachable(config, "unreachable", "g", 0);
        // one backend down, one up
        unreachable(config, "halfdead", "g2", 0);
        config.put("sluice.models.halfdead.backends[1].name", "k");
        config.put("sluice.models.halfdead.backends[1].url", BackendsResource.url("k"));
        // three backends, timeouts retried
        model(config, "patient", null, "h", "i", "j");
        config.put("sluice.models.patient.upstream.retry-on-timeout", "true");
        config.put("sluice.models.patient.upstream.retries", "1");
        // answers capped by max-output-tokens, untranslated and translated
        model(config, "capped", null, "a");
        config.put("sluice.models.capped.max-output-tokens", "100");
        config.put("sluice.models.capped.context-window", "1000");
        config.put("sluice.models.claude-capped.protocol", "anthropic");
        config.put("sluice.models.claude-capped.max-output-tokens", "2048");
        config.put("sluice.models.claude-capped.backends[0].name", "d-capped");
        config.put("sluice.models.claude-capped.backends[0].url", BackendsResource.url("d"));
        // an Anthropic model on two servers (d, and the server of auto-claude), for retries of what Anthropic says
        config.put("sluice.models.claude-pair.protocol", "anthropic");
        config.put("sluice.models.claude-pair.backends[0].name", "pair-d");
        config.put("sluice.models.claude-pair.backends[0].url", BackendsResource.url("d"));
        config.put("sluice.models.claude-pair.backends[1].name", "pair-ad");
        config.put("sluice.models.claude-pair.backends[1].url", BackendsResource.url("ad"));
        // models with context windows and unsupported parameters, for the request checks
        ValidationModels.configure(config);
        limits(config);
        hedging(config);
        automaticChoice(config);
        return config;
    }

    /**
     * Hedging (contract §6.6): {@code hedged} hedges its two backends after 300 ms; {@code raced} races its backend
     * against its fallback's, priced differently so that settlement shows which answered. The account {@code hedge}
     * has one slot and credits.
     */
    private static void hedging(Map<String, String> config) {
        model(config, "hedged", null, "ha", "hb");
        config.put("sluice.models.hedged.hedge.after", "300ms");
        model(config, "raced", null, "ra");
        config.put("sluice.models.raced.hedge.after", "0s");
        config.put("sluice.models.raced.fallbacks[0]", "raced-fallback");
        config.put("sluice.models.raced.price.input-per-1k", "1.0");
        config.put("sluice.models.raced.price.output-per-1k", "1.0");
        model(config, "raced-fallback", null, "rb");
        config.put("sluice.models.raced-fallback.price.input-per-1k", "3.0");
        config.put("sluice.models.raced-fallback.price.output-per-1k", "3.0");
        for (String model : new String[] {"hedged", "raced", "raced-fallback"}) {
            config.put("sluice.models." + model + ".upstream.first-byte-timeout", "5s");
            config.put("sluice.models." + model + ".upstream.idle-timeout", "5s");
        }
        config.put("sluice.accounts.hedge.concurrency", "1");
        config.put("sluice.accounts.hedge.credits", "1.0");
    }

    /**
     * Automatic choice (contract §6.7): three OpenAI candidates (free with a 100-token window; 0.2 per 1k with 200;
     * 1.0 per 1k with 900 and logit_bias unsupported) and an Anthropic one, each reached by its own key. Windows stay
     * under the validation models' smallest (1024), so that they are never among a fixture's suggested models.
     */
    private static void automaticChoice(Map<String, String> config) {
        autoModel(config, "auto-free", "aa", 100, 0);
        autoModel(config, "auto-small", "ab", 200, 0.1);
        autoModel(config, "auto-big", "ac", 900, 0.5);
        config.put("sluice.models.auto-big.unsupported-parameters[0]", "logit_bias");
        autoModel(config, "auto-claude", "ad", 60, 0.05);
        config.put("sluice.models.auto-claude.protocol", "anthropic");
        config.put("sluice.accounts.chooser.credits", "1.0");
        int key = 4 + ACCOUNTS.length;
        config.put("sluice.keys[" + key + "].key", AUTO_KEY);
        config.put("sluice.keys[" + key + "].account", "chooser");
        config.put("sluice.keys[" + key + "].models[0]", "auto-free");
        config.put("sluice.keys[" + key + "].models[1]", "auto-small");
        config.put("sluice.keys[" + key + "].models[2]", "auto-big");
        config.put("sluice.keys[" + (key + 1) + "].key", AUTO_ANTHROPIC_KEY);
        config.put("sluice.keys[" + (key + 1) + "].account", "acme");
        config.put("sluice.keys[" + (key + 1) + "].models[0]", "auto-claude");
    }

    private static void autoModel(Map<String, String> config, String model, String backend, int window, double price) {
        model(config, model, null, backend);
        config.put("sluice.models." + model + ".auto", "true");
        config.put("sluice.models." + model + ".context-window", Integer.toString(window));
        config.put("sluice.models." + model + ".default-max-tokens", "16");
        config.put("sluice.models." + model + ".price.input-per-1k", Double.toString(price));
        config.put("sluice.models." + model + ".price.output-per-1k", Double.toString(price));
    }

    /** The limit tests' accounts and plan, and their model: 1 credit per 1k tokens either way. */
    private static void limits(Map<String, String> config) {
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
        config.put("sluice.accounts.settlecut.tokens-per-minute", "1000");
        config.put("sluice.accounts.settlecut.credits", "1.0");
        config.put("sluice.accounts.serial.concurrency", "1");
        config.put("sluice.accounts.embed.tokens-per-minute", "1000");
        // the admin API's tests: an account of the file they may top up, and one limited as a runtime account is
        config.put("sluice.accounts.adminfile.plan", "free");
        config.put("sluice.accounts.adminfile.requests-per-window", "1000000");
        config.put("sluice.accounts.adminmon.plan", "free");
        config.put("sluice.accounts.adminmon.requests-per-window", "1000000");
        for (int i = 0; i < ACCOUNTS.length; i++) {
            config.put("sluice.keys[" + (4 + i) + "].key", key(ACCOUNTS[i]));
            config.put("sluice.keys[" + (4 + i) + "].account", ACCOUNTS[i]);
        }
        config.put("sluice.models.priced.price.input-per-1k", "1.0");
        config.put("sluice.models.priced.price.output-per-1k", "1.0");
        config.put("sluice.models.priced.default-max-tokens", "40");
        config.put("sluice.models.priced.upstream.first-byte-timeout", "2s");
        config.put("sluice.models.priced.upstream.idle-timeout", "30s");
        model(config, "priced", null, "l");
        // the same backend and prices, read as an Anthropic model
        config.put("sluice.models.priced-claude.protocol", "anthropic");
        config.put("sluice.models.priced-claude.price.input-per-1k", "1.0");
        config.put("sluice.models.priced-claude.price.output-per-1k", "1.0");
        config.put("sluice.models.priced-claude.upstream.first-byte-timeout", "2s");
        model(config, "priced-claude", null, "l");
    }

    public static void keys(Map<String, String> config) {
        config.put("sluice.keys[0].key", KEY);
        config.put("sluice.keys[0].account", "acme");
        config.put("sluice.keys[1].key", OPENAI_ONLY_KEY);
        config.put("sluice.keys[1].account", "acme");
        config.put("sluice.keys[1].protocols[0]", "openai");
        config.put("sluice.keys[2].key", ANTHROPIC_ONLY_KEY);
        config.put("sluice.keys[2].account", "acme");
        config.put("sluice.keys[2].protocols[0]", "anthropic");
        config.put("sluice.keys[3].key", LIMITED_KEY);
        config.put("sluice.keys[3].account", "acme");
        config.put("sluice.keys[3].models[0]", "chat");
    }

    public static void model(Map<String, String> config, String model, String upstreamModel, String... backends) {
        if (upstreamModel != null) {
            config.put("sluice.models." + model + ".upstream-model", upstreamModel);
        }
        for (int i = 0; i < backends.length; i++) {
            config.put("sluice.models." + model + ".backends[" + i + "].name", backends[i]);
            config.put("sluice.models." + model + ".backends[" + i + "].url", BackendsResource.url(backends[i]));
        }
    }

    /** A backend on a port where nothing listens. */
    private static void unreachable(Map<String, String> config, String model, String backend, int index) {
        config.put("sluice.models." + model + ".backends[" + index + "].name", backend);
        config.put("sluice.models." + model + ".backends[" + index + "].url", "http://127.0.0.1:" + TestPorts.refused());
    }
}
