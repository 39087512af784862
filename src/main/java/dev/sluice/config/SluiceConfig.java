package dev.sluice.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Everything under {@code sluice.} (contract §7). Defaults live here, not at call sites. The mapping is only read at
 * start-up: {@link dev.sluice.routing.Catalog} and the limiter turn it into validated runtime objects.
 */
@ConfigMapping(prefix = "sluice")
public interface SluiceConfig {

    /**
     * The configuration file, as {@code SLUICE_CONFIG} (or the {@code sluice.config} system property) names it: read
     * by {@link SluiceConfigFile} before this mapping exists, and watched for changes (contract §10.2).
     */
    Optional<String> config();

    /** Largest request body accepted; larger bodies answer 413 before they are buffered. */
    @WithDefault("10M")
    MemorySize maxBodySize();

    Limits limits();

    /** Requests per second per account on {@code /v1/usage}. */
    @WithDefault("10")
    double controlPlaneRate();

    /** Where a client tops up credits; sent in {@code insufficient_credits} errors when set. */
    Optional<String> topupUrl();

    Map<String, Plan> plans();

    Map<String, Account> accounts();

    Optional<List<Key>> keys();

    Map<String, Model> models();

    Upstream upstream();

    Demo demo();

    Validation validation();

    Metrics metrics();

    AccessLog accessLog();

    /** Browser pages calling {@code /v1} from other origins (CORS): off unless origins are listed. */
    Cors cors();

    /**
     * A gap with no byte while a client sends its request head or body (or after it connects) longer than this closes
     * its connection (contract §12).
     */
    @WithDefault("30s")
    Duration clientTimeout();

    /**
     * Client connections the proxy's port holds at once; one more is closed as soon as it is accepted. Unset: half
     * of what the process' open-file limit leaves after a reserve, since each connection may hold a backend connection
     * too, so that the process never runs out of file descriptors (it could then not even load a class).
     */
    OptionalInt maxClientConnections();

    /** The admin API (contract §10.1): served under {@code /admin/v1} only when it lists at least one key. */
    Admin admin();

    /** Re-reading the {@code SLUICE_CONFIG} file when it changes (contract §10.2). */
    Reload reload();

    /** How long in-flight requests may run on after SIGTERM. */
    @WithDefault("30s")
    Duration shutdownGrace();

    interface Limits {
        /** Where the counters live. */
        @WithDefault("local")
        Store store();

        /** What admission does while Redis is unreachable. */
        @WithDefault("local")
        RedisFailure redisFailure();

        /** Longest any call to Redis may take before it counts as failed. */
        @WithDefault("50ms")
        Duration redisTimeout();

        /** While Redis is marked down, how often it is pinged to come back to it. */
        @WithDefault("500ms")
        Duration redisProbeInterval();

        /** Longest a concurrency slot is held without renewal (a running request renews it every third of it). */
        @WithDefault("10m")
        Duration lease();

        /** The quota window of a plan or account that sets {@code requests-per-window} and no {@code window}. */
        @WithDefault("1h")
        Duration defaultWindow();
    }

    /** Where the limits' counters live (contract §4.4). */
    enum Store {
        /** Inside this instance. */
        LOCAL,
        /** In Redis, shared by every instance. */
        REDIS
    }

    /** What admission does while Redis is unreachable (contract §4.5). */
    enum RedisFailure {
        /** Falls back to this instance's own counters. */
        LOCAL,
        /** Admits without checking. */
        OPEN,
        /** Refuses with 503 {@code limit_store_unavailable}. */
        CLOSED
    }

    /** Limits shared by the accounts of one plan; every one optional (absent means unlimited). */
    interface Plan {
        OptionalInt concurrency();

        OptionalLong requestsPerWindow();

        Optional<Duration> window();

        OptionalDouble rate();

        OptionalDouble burst();

        OptionalLong tokensPerMinute();
    }

    /** An account: its plan and any limit it overrides. */
    interface Account {
        Optional<String> plan();

        OptionalInt concurrency();

        OptionalLong requestsPerWindow();

        Optional<Duration> window();

        OptionalDouble rate();

        OptionalDouble burst();

        OptionalLong tokensPerMinute();

        /** Prepaid balance; absent means the account does not use credits. */
        OptionalDouble credits();
    }

    /** An API key, by its SHA-256 (hex) or, for development, in plain text. */
    interface Key {
        Optional<String> sha256();

        Optional<String> key();

        String account();

        Optional<List<String>> models();

        Optional<List<String>> protocols();
    }

    interface Model {
        Optional<String> upstreamModel();

        @WithDefault("openai")
        String protocol();

        OptionalInt contextWindow();

        @WithDefault("1024")
        int defaultMaxTokens();

        /** The most a request may ask for: a larger max_tokens is lowered to it before the checks and forwarding. */
        OptionalInt maxOutputTokens();

        Optional<Price> price();

        Optional<List<String>> fallbacks();

        Optional<List<String>> unsupportedParameters();

        List<Backend> backends();

        /** Per-model override of the global {@code upstream} group. */
        Optional<UpstreamOverride> upstream();

        /** A candidate for automatic model choice ({@code model: "auto"}, contract §6.7). */
        @WithDefault("false")
        boolean auto();

        /** Hedged attempts (contract §6.6); absent: attempts one after another. */
        Optional<Hedge> hedge();
    }

    /** Hedging and race (contract §6.6). */
    interface Hedge {
        /** How long the attempts under way may go unanswered before the next candidate starts; 0s: race. */
        Optional<Duration> after();

        /** The most attempts in flight at once. */
        @WithDefault("2")
        int maxAttempts();
    }

    interface Price {
        @WithName("input-per-1k")
        @WithDefault("0")
        double inputPer1k();

        @WithName("output-per-1k")
        @WithDefault("0")
        double outputPer1k();
    }

    interface Backend {
        Optional<String> name();

        String url();

        @WithDefault("1")
        int weight();

        Optional<String> apiKey();

        /** TLS towards this backend (contract §11); absent: verified like every https backend. */
        Optional<BackendTls> tls();

        /** An active health check (contract §6.1: optional); absent: the circuit breaker alone decides. */
        Optional<HealthCheck> healthCheck();
    }

    /**
     * A GET the proxy sends the backend every {@code interval}: a 2xx within {@code timeout} passes, anything else
     * fails. {@code failure-threshold} failures in a row mark the backend down (skipped like an open breaker),
     * {@code success-threshold} passes in a row mark it up again. The names are Kubernetes probes'.
     */
    interface HealthCheck {
        /** Appended to the backend's URL, as a request's path is ({@code /health} for vLLM and TGI). */
        @WithDefault("/health")
        String path();

        @WithDefault("10s")
        Duration interval();

        /** Absent: 2s, or the interval when that is shorter. */
        Optional<Duration> timeout();

        @WithDefault("2")
        int failureThreshold();

        @WithDefault("1")
        int successThreshold();
    }

    interface BackendTls {
        /** Skips certificate and host name verification (logged as a warning at start-up). */
        @WithDefault("false")
        boolean insecure();
    }

    interface Upstream {
        @WithDefault("2s")
        Duration connectTimeout();

        @WithDefault("60s")
        Duration firstByteTimeout();

        @WithDefault("60s")
        Duration idleTimeout();

        @WithDefault("2")
        int retries();

        @WithDefault("false")
        boolean retryOnTimeout();

        @WithDefault("0.2")
        double retryBudget();

        CircuitBreaker circuitBreaker();

        /** Pooled keep-alive connections per backend (each running stream holds one). */
        @WithDefault("10000")
        int maxConnections();

        /**
         * How many requests to one backend address may be waiting for a pooled connection at once (the others wait
         * for a turn): paces the connections a burst opens, below the listen queue of common servers (511).
         */
        @WithDefault("256")
        int maxConnecting();

        /**
         * How long an idle pooled connection is kept. Below the 5 s after which uvicorn (vLLM, TGI's router) and
         * Node close idle connections, so that a request is not sent on a connection the backend is closing.
         */
        @WithDefault("4s")
        Duration keepAliveTimeout();

        Tls tls();
    }

    /** How https backends are verified (contract §11). */
    interface Tls {
        /** A PEM bundle of the CAs to trust instead of the JVM's default trust store. */
        Optional<String> caFile();
    }

    interface UpstreamOverride {
        Optional<Duration> connectTimeout();

        Optional<Duration> firstByteTimeout();

        Optional<Duration> idleTimeout();

        OptionalInt retries();

        Optional<Boolean> retryOnTimeout();

        /** The model's backends' breakers: each setting not given here is the group's. */
        Optional<CircuitBreakerOverride> circuitBreaker();
    }

    interface CircuitBreakerOverride {
        OptionalDouble failureRatio();

        OptionalInt requestVolume();

        Optional<Duration> delay();
    }

    interface CircuitBreaker {
        @WithDefault("0.5")
        double failureRatio();

        @WithDefault("20")
        int requestVolume();

        @WithDefault("10s")
        Duration delay();
    }

    /** The checks of the request body before it is forwarded (contract §5). */
    interface Validation {
        /** Off: only the JSON and the top-level fields routing needs are checked. */
        @WithDefault("true")
        boolean enabled();
    }

    interface Metrics {
        /** Accounts with their own {@code sluice_inflight} series (in configuration order); the rest are "other". 0: off. */
        @WithDefault("20")
        int inflightAccounts();
    }

    /** One structured line per request, on the {@code sluice.access} logger. */
    interface AccessLog {
        @WithDefault("true")
        boolean enabled();
    }

    interface Cors {
        /**
         * The origins a browser page may call from: {@code *} (any), an origin ({@code https://app.example.com}), or
         * a {@code /regular expression/} an origin must match whole. None: browsers get no CORS answer.
         */
        Optional<List<String>> origins();

        /** How long a browser may keep a preflight's answer ({@code access-control-max-age}). */
        @WithDefault("10m")
        Duration maxAge();
    }

    /** The admin API's keys and how runtime keys and accounts are kept current on every instance. */
    interface Admin {
        /** Admin keys, in the form of {@code sluice.keys} entries without {@code account}. */
        Optional<List<AdminKey>> keys();

        /**
         * With {@code limits.store: redis}, how often an instance checks that its view of runtime keys and accounts
         * is Redis' (the safety net behind pub/sub: one GET per interval, never per request).
         */
        @WithDefault("1s")
        Duration syncInterval();
    }

    /** An admin key, by its SHA-256 (hex) or, for development, in plain text. */
    interface AdminKey {
        Optional<String> sha256();

        Optional<String> key();
    }

    interface Reload {
        /** Off: the configuration is read once, at start-up. */
        @WithDefault("true")
        boolean enabled();

        /** How often the configuration files are compared with what was last applied. */
        @WithDefault("2s")
        Duration interval();
    }

    /** The built-in demo backend, started when no model is configured. */
    interface Demo {
        @WithDefault("true")
        boolean enabled();

        /** Port of the demo backend on 127.0.0.1; 0 picks a free one. */
        @WithDefault("0")
        int port();

        /** The development key that reaches the demo model. */
        @WithDefault("sk-sluice-demo")
        String key();
    }
}
