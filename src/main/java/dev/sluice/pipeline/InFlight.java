package dev.sluice.pipeline;

import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The exchanges under way, for graceful shutdown: on SIGTERM the proxy drains (readiness DOWN, keep-alive
 * connections closed after their current answer), waits for in-flight requests and streams up to
 * {@code sluice.shutdown-grace}, then cuts what is left, streams ending with an {@code event: error}.
 */
@Singleton
public class InFlight {

    private static final Logger LOGGER = Logger.getLogger(InFlight.class);

    private final Set<Exchange> exchanges = ConcurrentHashMap.newKeySet();
    private volatile boolean draining;

    void add(Exchange exchange) {
        exchanges.add(exchange);
    }

    void remove(Exchange exchange) {
        exchanges.remove(exchange);
    }

    public int count() {
        return exchanges.size();
    }

    public boolean draining() {
        return draining;
    }

    /**
     * Waits (blocking: call from the shutdown thread, never an event loop) until no exchange is in flight or the
     * grace has passed, then cuts the rest and waits briefly for them to end.
     */
    public void drain(Duration grace) {
        draining = true;
        long deadline = System.nanoTime() + grace.toNanos();
        if (!exchanges.isEmpty()) {
            LOGGER.infof("Shutting down: waiting up to %s for %d requests in flight", grace, exchanges.size());
        }
        while (!exchanges.isEmpty() && System.nanoTime() < deadline) {
            sleep(20);
        }
        if (!exchanges.isEmpty()) {
            LOGGER.warnf("Shutdown grace of %s over: cutting %d requests still in flight", grace, exchanges.size());
            for (Exchange exchange : exchanges) {
                if (exchange.context() != null) {
                    exchange.context().runOnContext(cut -> exchange.cutForShutdown());
                }
            }
            long cutDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (!exchanges.isEmpty() && System.nanoTime() < cutDeadline) {
                sleep(10);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
