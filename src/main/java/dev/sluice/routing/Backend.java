package dev.sluice.routing;

import io.netty.util.NetUtil;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.Guard;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One backend of one model: where it is, how to authenticate to it, and its live state (requests in flight for the
 * least-loaded choice, and its circuit breaker).
 *
 * <p>Thread-safe: shared by every event loop.
 */
public final class Backend {

    private final String name;
    private final String model;
    private final Protocol protocol;
    private final boolean ssl;
    private final String host;
    private final int port;
    /** {@code host:port}: what the connections to this backend share, whichever model lists it. */
    private final String authority;
    private final String basePath;
    private final int weight;
    private final String apiKey;
    private final long breakerDelayNanos;
    private final boolean insecureTls;
    /** True when the URL names the host by an IP address, which TLS' server name indication may not carry. */
    private final boolean namedByAddress;
    /** Everything configuration says of this backend, its breaker's settings included: what a reload compares. */
    private final Object definition;
    private final AtomicInteger inFlight = new AtomicInteger();
    /** When a failure to reach it was last logged ({@link #reportUnreachable}); 0 before the first. */
    private final AtomicLong unreachableLoggedAtNanos = new AtomicLong();
    private volatile CircuitBreakerState breakerState = CircuitBreakerState.CLOSED;
    private volatile long openedAtNanos;
    private volatile boolean healthy = true;
    /** The active health check, or null without one. */
    private final HealthProbe probe;
    /** Checks failed (passed) in a row; touched only by the health checker, one check at a time. */
    private int failuresInARow;
    private int passesInARow;
    private Guard guard;

    Backend(String name, String model, Protocol protocol, boolean ssl, String host, int port, String basePath, int weight,
            String apiKey, long breakerDelayNanos, boolean insecureTls, Object breakerSettings, HealthProbe probe) {
        this.name = name;
        this.model = model;
        this.protocol = protocol;
        this.ssl = ssl;
        this.host = host;
        this.port = port;
        this.authority = host + ":" + port;
        this.basePath = basePath;
        this.weight = weight;
        this.apiKey = apiKey;
        this.breakerDelayNanos = breakerDelayNanos;
        this.insecureTls = insecureTls;
        this.probe = probe;
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        this.namedByAddress = NetUtil.isValidIpV4Address(bare) || NetUtil.isValidIpV6Address(bare);
        // the breaker's settings hold its delay too
        this.definition = java.util.Arrays.asList(name, model, protocol, ssl, host, port, basePath, weight, apiKey,
                insecureTls, breakerSettings, probe);
    }

    /**
     * Whether {@code other} is this backend as configuration describes it (nothing of it changed). A reload keeps
     * such a backend, with its breaker, requests in flight and health, rather than start a closed breaker in its place.
     */
    boolean sameDefinition(Backend other) {
        return definition.equals(other.definition);
    }

    /** Whether {@code other} is reached at the same URL as this backend. */
    boolean sameAddress(Backend other) {
        return ssl == other.ssl && host.equals(other.host) && port == other.port && basePath.equals(other.basePath);
    }

    void guard(Guard guard) {
        this.guard = guard;
    }

    /** The circuit breaker around calls to this backend. */
    public Guard guard() {
        return guard;
    }

    /** Told by the breaker when its state changes. */
    public void breakerStateChanged(CircuitBreakerState state) {
        if (state == CircuitBreakerState.OPEN) {
            openedAtNanos = System.nanoTime();
        }
        breakerState = state;
    }

    /**
     * True unless the breaker is open and its delay has not passed yet, or an active health check marked the backend
     * down. Once the delay has passed the next call goes through and half-opens the breaker.
     */
    public boolean available(long nowNanos) {
        if (!healthy) {
            return false;
        }
        return breakerState != CircuitBreakerState.OPEN || nowNanos - openedAtNanos >= breakerDelayNanos;
    }

    public CircuitBreakerState breakerState() {
        return breakerState;
    }

    public void healthy(boolean healthy) {
        this.healthy = healthy;
    }

    /** False while its active health check says the backend is down (always true without one). */
    public boolean healthy() {
        return healthy;
    }

    /** The active health check, or null when the backend has none. */
    public HealthProbe probe() {
        return probe;
    }

    /**
     * Counts one health check's outcome; returns true when it changed the backend's health (the threshold of failures
     * or of passes in a row was reached). A backend starts up: traffic flows before its first check.
     */
    public boolean checked(boolean passed) {
        if (passed) {
            failuresInARow = 0;
            passesInARow++;
            if (!healthy && passesInARow >= probe.successThreshold()) {
                healthy = true;
                return true;
            }
        } else {
            passesInARow = 0;
            failuresInARow++;
            if (healthy && failuresInARow >= probe.failureThreshold()) {
                healthy = false;
                return true;
            }
        }
        return false;
    }

    public String name() {
        return name;
    }

    /** The configured model this backend serves (the name clients use). */
    public String model() {
        return model;
    }

    public Protocol protocol() {
        return protocol;
    }

    public boolean ssl() {
        return ssl;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** {@code host:port}, the same for every backend reached at that host and port. */
    public String authority() {
        return authority;
    }

    /** Path prefix of the backend's base URL, without a trailing slash ("" for none). */
    public String basePath() {
        return basePath;
    }

    public int weight() {
        return weight;
    }

    /** True when the URL names the host by an IP address (RFC 6066 §3: no SNI is sent for it). */
    public boolean namedByAddress() {
        return namedByAddress;
    }

    /** What is logged, as a warning, for a backend whose TLS is not verified: at start-up, and when a reload adds one. */
    public String insecureWarning() {
        return "backend=" + name + " model=" + model + " host=" + host + " tls.insecure=true: its TLS certificate and "
                + "host name are NOT verified; anyone on the path to it can read and change its traffic";
    }

    /**
     * Whether a failure to reach this backend (refused, unreachable, its TLS certificate refused) seen now is to be
     * logged: the first, then at most one per {@code everyNanos}. The cause (an expired certificate, a wrong host
     * name, a closed port) is the operator's to see, once, not once per request.
     */
    public boolean reportUnreachable(long nowNanos, long everyNanos) {
        long last = unreachableLoggedAtNanos.get();
        // 0 stands for "never": a clock that reads 0 is stored as 1
        return (last == 0 || nowNanos - last >= everyNanos)
                && unreachableLoggedAtNanos.compareAndSet(last, nowNanos == 0 ? 1 : nowNanos);
    }

    /** True when its TLS certificate and host name are not verified ({@code tls.insecure}, https only). */
    public boolean insecureTls() {
        return insecureTls;
    }

    /** The backend's own credential, or null. */
    public String apiKey() {
        return apiKey;
    }

    public int inFlight() {
        return inFlight.get();
    }

    public void acquire() {
        inFlight.incrementAndGet();
    }

    public void release() {
        inFlight.decrementAndGet();
    }

    @Override
    public String toString() {
        return name;
    }
}
