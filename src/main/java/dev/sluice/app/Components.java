package dev.sluice.app;

import dev.sluice.config.ConfigProblems;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.SluiceConfigFile;
import dev.sluice.control.ConfigReloader;
import dev.sluice.control.ControlMetrics;
import dev.sluice.control.ControlPlane;
import dev.sluice.control.ControlStore;
import dev.sluice.control.FileSetup;
import dev.sluice.control.LocalControlStore;
import dev.sluice.control.RedisControlStore;
import dev.sluice.demo.DemoBackend;
import dev.sluice.limits.Admission;
import dev.sluice.limits.LocalLimitStore;
import dev.sluice.limits.RedisLimitStore;
import dev.sluice.limits.SentinelView;
import dev.sluice.metrics.ProxyMetrics;
import dev.sluice.pipeline.InFlight;
import dev.sluice.routing.RetryBudget;
import dev.sluice.upstream.Breakers;
import dev.sluice.upstream.Forwarder;
import dev.sluice.upstream.HealthChecks;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import io.smallrye.config.SmallRyeConfig;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Builds Sluice's components from configuration once, at start-up, and offers them for injection. Every group of
 * the configuration is validated by the component it configures (catalogue, keys, accounts, admission); all of
 * their problems stop start-up in one message. With no model configured it starts the built-in demo backend and its
 * development key. The configuration file's part (catalogue, keys, accounts) and the keys and accounts of the admin
 * API are held by the {@link ControlPlane}, which the reload of the file and the runtime store keep current.
 */
@Startup
@Singleton
public class Components {

    private static final Logger LOGGER = Logger.getLogger(Components.class);
    /** The account of the demo's development key. */
    public static final String DEMO_ACCOUNT = "demo";

    private final ControlPlane control;
    private final ControlStore runtime;
    private final ControlMetrics controlMetrics;
    private final ConfigReloader reloader;
    private final Admission admission;
    private final ProxyMetrics metrics;
    private final Forwarder forwarder;
    private final HealthChecks healthChecks;
    private final DemoBackend demo;
    private final Duration shutdownGrace;
    private final RedisLimitStore redisLimits;
    /** The limit store's Redis client (not Quarkus' bean), closed with it; null without the Redis store. */
    private Redis storeClient;

    Components(SluiceConfig config, Vertx vertx, Instance<Redis> redis, RedisClientOptions redisOptions,
            MeterRegistry registry, @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "true") boolean tracingDisabled) {
        ConfigProblems problems = new ConfigProblems();
        SluiceConfig effective = config;
        int port = -1;
        if (config.models().isEmpty() && config.demo().enabled()) {
            demo = new DemoBackend(vertx);
            port = demo.start(config.demo().port());
            effective = DemoModels.config(port, config.demo().key());
            LOGGER.infof("No model configured: serving model 'demo' from the built-in demo backend on 127.0.0.1:%d "
                    + "with the development key '%s'", port, config.demo().key());
        } else {
            demo = null;
        }
        ConfigReloader.warnOfMissingLocations(ConfigProvider.getConfig());
        List<java.nio.file.Path> files = SluiceConfigFile.files(ConfigProvider.getConfig());
        SluiceConfigFile.Declared declaredEmpty = demo != null ? SluiceConfigFile.Declared.NONE
                : SluiceConfigFile.declaredEmpty(files);
        SluiceConfigFile.checkDuplicateKeys(files, problems);
        FileSetup file = FileSetup.build(config, effective, declaredEmpty, problems, Breakers::smallRye);
        Admission.check(config.limits(), config.controlPlaneRate(), problems);
        problems.throwIfAny();

        RedisLimitStore redisLimits = null;
        if (config.limits().store() == SluiceConfig.Store.REDIS) {
            Redis quarkusClient = redis.get(); // creating it hands Quarkus' options to RedisClientOptions
            Supplier<Redis> sameOptions = redisOptions.clientFactory(vertx);
            // a client of the store's own, not Quarkus' bean: that one is wrapped (for observability), and the Vert.x
            // client's Cluster utilities (scripts loaded on every master, readiness asking every master, the slot
            // table's timer) take only the client itself; with the wrapper the store took a Cluster for one server
            storeClient = sameOptions.get();
            redisLimits = new RedisLimitStore(storeClient != null ? storeClient : quarkusClient, sameOptions, vertx,
                    config.limits().redisTimeout().toMillis());
            // with Sentinel, the store checks that its connections follow the Sentinels' primary after a failover
            redisLimits.followSentinels(SentinelView.of(vertx, redisOptions.options()));
        }
        boolean redisAnswered = redisLimits == null || warmUp(redisLimits, redisOptions);
        this.redisLimits = redisLimits;
        Admission[] admitting = new Admission[1];
        metrics = new ProxyMetrics(registry, file.catalog(), List.copyOf(file.accounts().names()),
                config.metrics().inflightAccounts(), () -> admitting[0] != null && admitting[0].degraded());
        admission = new Admission(vertx, redisLimits, new LocalLimitStore(), config.limits(), System::currentTimeMillis,
                config.topupUrl().orElse(null), config.controlPlaneRate(), metrics);
        admitting[0] = admission;
        if (!redisAnswered) {
            admission.redisUnreachableAtStart();
        }
        forwarder = new Forwarder(vertx, file.catalog(), config.upstream(),
                new RetryBudget(config.upstream().retryBudget(), System::nanoTime), metrics, !tracingDisabled);
        shutdownGrace = config.shutdownGrace();

        control = new ControlPlane(file, metrics::backends);
        healthChecks = new HealthChecks(vertx, () -> control.generation().catalog(), forwarder);
        healthChecks.start();
        controlMetrics = new ControlMetrics(registry);
        runtime = redisLimits != null
                ? new RedisControlStore(redis.get(), vertx, control, config.admin().syncInterval().toMillis(),
                        Math.max(1000, config.limits().redisTimeout().toMillis()))
                : new LocalControlStore(control);
        startRuntime(runtime);
        int demoPort = port;
        String demoKey = config.demo().key();
        reloader = config.reload().enabled()
                ? new ConfigReloader(vertx, control, controlMetrics, ConfigProvider.getConfig().unwrap(SmallRyeConfig.class),
                        fresh -> fresh.models().isEmpty() && demoPort > 0 ? DemoModels.config(demoPort, demoKey) : fresh,
                        Breakers::smallRye, config.reload().interval())
                : null;
        if (reloader != null) {
            reloader.start();
        }
    }

    /** Loads the runtime keys and accounts before the first request; an unreachable Redis does not stop start-up. */
    private static void startRuntime(ControlStore store) {
        try {
            store.start().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOGGER.warnf("The runtime keys and accounts could not be loaded at start-up (%s); loaded when Redis answers",
                    e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
        }
    }

    /**
     * Connects to Redis and loads the scripts before the first request; an unreachable Redis does not stop start-up.
     *
     * @return whether Redis answered
     */
    private static boolean warmUp(RedisLimitStore store, RedisClientOptions options) {
        try {
            store.warmUp().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            LOGGER.info("Limits are kept in Redis; admission scripts loaded");
            return true;
        } catch (Exception e) {
            String failure = e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
            LOGGER.warnf("Redis did not answer at start-up (%s%s); admission follows sluice.limits.redis-failure until it"
                    + " does", failure, options.hintFor(failure));
            return false;
        }
    }

    @Produces
    @Singleton
    ControlPlane control() {
        return control;
    }

    @Produces
    @Singleton
    ControlStore runtimeStore() {
        return runtime;
    }

    @Produces
    @Singleton
    ControlMetrics controlMetrics() {
        return controlMetrics;
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
        if (reloader != null) {
            reloader.stop();
        }
        runtime.close();
        healthChecks.stop();
        forwarder.close();
        if (redisLimits != null) {
            redisLimits.close();
        }
        if (storeClient != null) {
            storeClient.close();
        }
        if (demo != null) {
            demo.stop();
        }
    }
}
