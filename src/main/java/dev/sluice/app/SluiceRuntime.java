package dev.sluice.app;

import dev.sluice.auth.KeyRing;
import dev.sluice.config.ConfigProblems;
import dev.sluice.config.SluiceConfig;
import dev.sluice.demo.DemoBackend;
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

    public SluiceRuntime(SluiceConfig config, Vertx vertx) {
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
        problems.throwIfAny();
        RetryBudget budget = new RetryBudget(config.upstream().retryBudget(), System::nanoTime);
        forwarder = new Forwarder(vertx, catalog, config.upstream(), budget, exchange -> null, (backend, reason) -> {
        });
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

    public boolean demoMode() {
        return demo != null;
    }
}
