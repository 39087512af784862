package dev.sluice.app;

import dev.sluice.auth.KeyRing;
import dev.sluice.config.ConfigProblems;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.SluiceConfigFile;
import dev.sluice.demo.DemoBackend;
import dev.sluice.limits.Accounts;
import dev.sluice.limits.Admission;
import dev.sluice.limits.LocalLimitStore;
import dev.sluice.limits.RedisLimitStore;
import dev.sluice.metrics.ProxyMetrics;
import dev.sluice.pipeline.InFlight;
import dev.sluice.routing.Catalog;
import dev.sluice.routing.RetryBudget;
import dev.sluice.upstream.Breakers;
import dev.sluice.upstream.Forwarder;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Builds Sluice's components from configuration once, at start-up, and offers them for injection. Every group of
 * the configuration is validated by the component it configures (catalogue, keys, accounts, admission); all of
 * their problems stop start-up in one message. With no model configured it starts the built-in demo backend and its
 * development key.
 */
@Startup
@Singleton
public class Components {

    private static final Logger LOGGER = Logger.getLogger(Components.class);
    /** The account of the demo's development key. */
    public static final String DEMO_ACCOUNT = "demo";

    private final Catalog catalog;
    private final KeyRing keys;
    private final Accounts accounts;
    private final Admission admission;
    private final ProxyMetrics metrics;
    private final Forwarder forwarder;
    private final DemoBackend demo;
    private final Duration shutdownGrace;

    Components(SluiceConfig config, Vertx vertx, Instance<Redis> redis, MeterRegistry registry,
            @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "true") boolean tracingDisabled) {
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
        catalog = Catalog.build(effective.models(), config.upstream(), problems, Breakers::smallRye);
        SluiceConfigFile.Declared declaredEmpty = demo != null ? SluiceConfigFile.Declared.NONE
                : SluiceConfigFile.declaredEmpty(SluiceConfigFile.location());
        accounts = Accounts.build(effective, declaredEmpty, problems);
        keys = KeyRing.build(effective.keys().orElse(List.of()), accounts.names(), effective.models().keySet(),
                problems);
        Admission.check(config.limits(), config.controlPlaneRate(), problems);
        problems.throwIfAny();

        RedisLimitStore redisLimits = config.limits().store() == SluiceConfig.Store.REDIS
                ? new RedisLimitStore(redis.get(), vertx, config.limits().redisTimeout().toMillis()) : null;
        if (redisLimits != null) {
            warmUp(redisLimits);
        }
        Admission[] admitting = new Admission[1];
        metrics = new ProxyMetrics(registry, catalog, List.copyOf(accounts.names()),
                config.metrics().inflightAccounts(), () -> admitting[0] != null && admitting[0].degraded());
        admission = new Admission(vertx, redisLimits, new LocalLimitStore(), config.limits(), System::currentTimeMillis,
                config.topupUrl().orElse(null), config.controlPlaneRate(), metrics);
        admitting[0] = admission;
        forwarder = new Forwarder(vertx, catalog, config.upstream(),
                new RetryBudget(config.upstream().retryBudget(), System::nanoTime), metrics, !tracingDisabled);
        shutdownGrace = config.shutdownGrace();
    }

    /** Connects to Redis and loads the scripts before the first request; an unreachable Redis does not stop start-up. */
    private static void warmUp(RedisLimitStore store) {
        try {
            store.warmUp().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            LOGGER.info("Limits are kept in Redis; admission scripts loaded");
        } catch (Exception e) {
            LOGGER.warnf("Redis did not answer at start-up (%s); admission follows sluice.limits.redis-failure until it does",
                    e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
        }
    }

    @Produces
    @Singleton
    Catalog catalog() {
        return catalog;
    }

    @Produces
    @Singleton
    KeyRing keys() {
        return keys;
    }

    @Produces
    @Singleton
    Accounts accounts() {
        return accounts;
    }

    @Produces
    @Singleton
    Admission admission() {
        return admission;
    }

    @Produces
    @Singleton
    ProxyMetrics metrics() {
        return metrics;
    }

    @Produces
    @Singleton
    Forwarder forwarder() {
        return forwarder;
    }

    /**
     * Graceful shutdown, in Quarkus' pre-shutdown phase (the HTTP server still serves): readiness goes DOWN,
     * requests and streams in flight get up to {@code shutdown-grace} to finish, the rest are cut (streams with an
     * {@code event: error}), and the releases of their slots are given time to reach Redis before it closes.
     */
    void drain(@Observes ShutdownDelayInitiatedEvent event, InFlight inFlight) {
        inFlight.drain(shutdownGrace);
        admission.awaitReleases(Duration.ofSeconds(2));
    }

    void stop(@Observes ShutdownEvent event) {
        forwarder.close();
        if (demo != null) {
            demo.stop();
        }
    }
}
