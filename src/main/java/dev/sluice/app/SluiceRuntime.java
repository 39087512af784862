package dev.sluice.app;

import dev.sluice.auth.KeyRing;
import dev.sluice.config.ConfigProblems;
import dev.sluice.config.SluiceConfig;
import dev.sluice.demo.DemoBackend;
import dev.sluice.http.InFlight;
import dev.sluice.metrics.ProxyMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import dev.sluice.limits.Accounts;
import dev.sluice.limits.Admission;
import dev.sluice.limits.LocalLimitStore;
import dev.sluice.limits.RedisLimitStore;
import io.vertx.redis.client.Redis;
import jakarta.enterprise.inject.Instance;
import dev.sluice.routing.Catalog;
import dev.sluice.routing.RetryBudget;
import dev.sluice.upstream.Forwarder;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import io.vertx.core.Vertx;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Builds Sluice's runtime objects from configuration once, at start-up, and stops start-up with one message when the
 * configuration is invalid. With no model configured it starts the built-in demo backend and its development key.
 */
@Startup
@Singleton
public class SluiceRuntime {

    private static final Logger LOGGER = Logger.getLogger(SluiceRuntime.class);
    /** The account of the demo's development key. */
    public static final String DEMO_ACCOUNT = "demo";

    private final SluiceConfig config;
    private final Catalog catalog;
    private final KeyRing keys;
    private final Forwarder forwarder;
    private final DemoBackend demo;
    private final Accounts accounts;
    private volatile Admission admission;
    private final ProxyMetrics metrics;

    public SluiceRuntime(SluiceConfig config, Vertx vertx, Instance<Redis> redis, MeterRegistry registry) {
        ConfigProblems problems = new ConfigProblems();
        SluiceConfig effective = config;
        if (config.models().isEmpty() && config.demo().enabled()) {
            demo = new DemoBackend(vertx);
            int port = demo.start(config.demo().port());
            effective = DemoModels.config(port, config.demo().key());
            LOGGER.infof("No model configured: serving model 'demo' from the built-in demo backend on 127.0.0.1:%d "
                    + "with the development key '%s'", port, config.demo().key());
        } else {
            demo = null;
        }
        this.config = effective;
        catalog = Catalog.build(effective.models(), config.upstream(), problems, Catalog::smallRyeBreaker);
        keys = KeyRing.build(effective.keys().orElse(List.of()), effective.accounts().keySet(),
                effective.models().keySet(), problems);
        accounts = Accounts.build(effective, problems);
        Admission.FailurePolicy policy = failurePolicy(config.limits().redisFailure(), problems);
        boolean redisStore = store(config.limits().store(), problems);
        if (config.limits().redisTimeout().isNegative() || config.limits().redisTimeout().isZero()) {
            problems.add("sluice.limits.redis-timeout", "must be positive");
        }
        if (config.limits().lease().toMillis() < 1000) {
            problems.add("sluice.limits.lease", "must be at least one second");
        }
        if (config.controlPlaneRate() <= 0) {
            problems.add("sluice.control-plane-rate", "must be positive");
        }
        problems.throwIfAny();
        RedisLimitStore redisLimits = redisStore
                ? new RedisLimitStore(redis.get(), vertx, config.limits().redisTimeout().toMillis()) : null;
        if (redisLimits != null) {
            warmUp(redisLimits);
        }
        metrics = new ProxyMetrics(registry, catalog, List.copyOf(effective.accounts().keySet()),
                config.metrics().inflightAccounts(), () -> admission != null && admission.mode() != Admission.Mode.REDIS
                        && admission.mode() != Admission.Mode.LOCAL);
        admission = new Admission(vertx, redisLimits, new LocalLimitStore(), policy, config.limits().lease().toMillis(),
                System::currentTimeMillis, config.topupUrl().orElse(null), config.controlPlaneRate(), metrics);
        RetryBudget budget = new RetryBudget(config.upstream().retryBudget(), System::nanoTime);
        boolean tracing = !org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getOptionalValue("quarkus.otel.sdk.disabled", Boolean.class).orElse(true);
        forwarder = new Forwarder(vertx, catalog, config.upstream(), budget, metrics, tracing);
    }

    /** Connects to Redis and loads the scripts before the first request; an unreachable Redis does not stop start-up. */
    private static void warmUp(RedisLimitStore store) {
        try {
            store.warmUp().toCompletionStage().toCompletableFuture().get(5, java.util.concurrent.TimeUnit.SECONDS);
            LOGGER.info("Limits are kept in Redis; admission scripts loaded");
        } catch (Exception e) {
            LOGGER.warnf("Redis did not answer at start-up (%s); admission follows sluice.limits.redis-failure until it does",
                    e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
        }
    }

    private static Admission.FailurePolicy failurePolicy(String value, ConfigProblems problems) {
        try {
            return Admission.FailurePolicy.parse(value);
        } catch (IllegalArgumentException e) {
            problems.add("sluice.limits.redis-failure", "unknown policy '" + value + "' (expected local, open or closed)");
            return Admission.FailurePolicy.LOCAL;
        }
    }

    private static boolean store(String value, ConfigProblems problems) {
        switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "redis":
                return true;
            case "local":
                return false;
            default:
                problems.add("sluice.limits.store", "unknown store '" + value + "' (expected redis or local)");
                return false;
        }
    }

    /**
     * Graceful shutdown, in Quarkus' pre-shutdown phase (the HTTP server still serves): readiness goes DOWN,
     * requests and streams in flight get up to {@code shutdown-grace} to finish, the rest are cut (streams with an
     * {@code event: error}), and the releases of their slots are given time to reach Redis before it closes.
     */
    void drain(@Observes io.quarkus.runtime.ShutdownDelayInitiatedEvent event, InFlight inFlight) {
        inFlight.drain(config.shutdownGrace());
        admission.awaitReleases(java.time.Duration.ofSeconds(2));
    }

    void stop(@Observes ShutdownEvent event) {
        forwarder.close();
        if (demo != null) {
            demo.stop();
        }
    }

    public SluiceConfig config() {
        return config;
    }

    public Catalog catalog() {
        return catalog;
    }

    public KeyRing keys() {
        return keys;
    }

    public Forwarder forwarder() {
        return forwarder;
    }

    public Accounts accounts() {
        return accounts;
    }

    public ProxyMetrics metrics() {
        return metrics;
    }

    public Admission admission() {
        return admission;
    }

    public boolean demoMode() {
        return demo != null;
    }
}
