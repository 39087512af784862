package dev.sluice.edge;

import java.lang.management.ManagementFactory;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * How many client connections the proxy's port holds, and the most it may ({@code sluice.max-client-connections}).
 *
 * <p>Why a cap: a process out of file descriptors fails in places that have nothing to do with the connection that
 * took the last one. Quarkus' class loader reopens a jar to load a class the first time it is used (a breaker's first
 * opening, say), and a jar that cannot be opened then leaves every later load from it waiting: measured at 10,000
 * streams against an open-file limit of 20,000, both event loops blocked for good. Each client connection may hold a
 * backend connection too, so by default half of what the limit leaves after a reserve (the JVM's own files, Redis,
 * health checks, idle pooled connections) is allowed.
 *
 * <p>A connection past the cap is closed as soon as it is accepted, before it costs anything else, and counted. Failing
 * fast, rather than leaving it in the kernel's accept queue as HAProxy does at its {@code maxconn}: kept-alive idle
 * connections can hold the cap for as long as {@code quarkus.http.idle-timeout}, and a client (or the load balancer in
 * front) that sees the connection refused can go to another instance instead of waiting for this one (measured: with
 * the accept queue, clients past the cap waited until their own deadline while the cap's connections sat idle).
 *
 * <p>Thread-safe: every event loop's acceptor counts here.
 */
final class ClientConnections {

    private static final Logger LOGGER = Logger.getLogger(ClientConnections.class);
    private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final int max;
    private final String why;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);

    ClientConnections(int max, String why) {
        this.max = max;
        this.why = why;
    }

    /** The configured cap, else one derived from the process' open-file limit, else none. */
    static ClientConnections of(OptionalInt configured, OptionalLong openFileLimit) {
        if (configured.isPresent()) {
            return new ClientConnections(configured.getAsInt(), "sluice.max-client-connections");
        }
        if (openFileLimit.isPresent()) {
            long limit = openFileLimit.getAsLong();
            return new ClientConnections(defaultFor(limit), "half of the open-file limit " + limit + " after a reserve");
        }
        return new ClientConnections(Integer.MAX_VALUE, "no limit known");
    }

    /**
     * Half of what the open-file limit leaves after a reserve of a 64th of it, between 64 and 1,024: Sluice at rest holds
     * about 45 files (measured), and the reserve covers Redis, health checks and idle pooled backend connections.
     */
    static int defaultFor(long openFileLimit) {
        long reserve = Math.min(1024, Math.max(64, openFileLimit / 64));
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (openFileLimit - reserve) / 2));
    }

    /** The process' open-file limit (its soft limit, which the JVM raises to the hard one at start), if known. */
    static OptionalLong openFileLimit() {
        try {
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
                long limit = unix.getMaxFileDescriptorCount();
                return limit > 0 ? OptionalLong.of(limit) : OptionalLong.empty();
            }
        } catch (RuntimeException | LinkageError unavailable) {
            LOGGER.debugf("The open-file limit is not known (%s): client connections are not capped by it", unavailable);
        }
        return OptionalLong.empty();
    }

    /** A connection was accepted: true when it may stay (and is counted until {@link #closed}), false to close it. */
    boolean admit() {
        if (open.incrementAndGet() <= max) {
            return true;
        }
        open.decrementAndGet();
        long count = refused.incrementAndGet();
        long now = System.nanoTime();
        long last = lastWarning.get();
        if (now - last >= WARN_EVERY_NANOS && lastWarning.compareAndSet(last, now)) {
            LOGGER.warnf("Closed a new client connection: %d are open, the most allowed (%s); %d closed so far. "
                    + "Raise the open-file limit, or spread the clients over more instances", max, why, count);
        }
        return false;
    }

    /** An admitted connection closed. */
    void closed() {
        open.decrementAndGet();
    }

    int open() {
        return open.get();
    }

    long refused() {
        return refused.get();
    }

    int max() {
        return max;
    }
}
