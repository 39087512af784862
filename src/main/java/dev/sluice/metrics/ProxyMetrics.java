package dev.sluice.metrics;

import dev.sluice.limits.Admission;
import dev.sluice.limits.Limit;
import dev.sluice.routing.Backend;
import dev.sluice.routing.Catalog;
import dev.sluice.upstream.Forwarder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Sluice's Prometheus series (contract §8). Label values are bounded: models not in the catalogue are
 * {@code unknown}, accounts past the first {@code sluice.metrics.inflight-accounts} are {@code other}, codes come
 * from the catalogue or from providers' (string) codes seen on 4xx answers.
 *
 * <p>Meters are created once per label set and cached, so that recording on the hot path is a map lookup and an
 * atomic add. Thread-safe.
 */
public final class ProxyMetrics implements Forwarder.Listener, Admission.Listener {

    /** Buckets that resolve sub-millisecond overhead as well as minute-long streams. */
    private static final Duration[] BUCKETS = {
        Duration.ofNanos(25_000), Duration.ofNanos(50_000), Duration.ofNanos(100_000), Duration.ofNanos(250_000),
        Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofNanos(2_500_000), Duration.ofMillis(5),
        Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
        Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2_500),
        Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60),
        Duration.ofSeconds(120), Duration.ofSeconds(300)};

    private record RequestKey(String model, int status, String code, String origin) {
    }

    private record DecisionKey(String limit, String decision) {
    }

    private record RetryKey(String backend, String reason) {
    }

    private record HedgeKey(String model, String outcome) {
    }

    private final MeterRegistry registry;
    /** Each backend's gauges by {@code model/name}; touched under this object's lock. */
    private final Map<String, BackendGauges> backendGauges = new java.util.HashMap<>();
    /** Providers may send any string as their error code: only so many distinct ones get a series of their own. */
    private static final int MAX_PROVIDER_CODES = 64;

    private final Map<RequestKey, Counter> requests = new ConcurrentHashMap<>();
    private final java.util.Set<String> providerCodes = ConcurrentHashMap.newKeySet();
    private final Map<DecisionKey, Counter> decisions = new ConcurrentHashMap<>();
    private final Map<RetryKey, Counter> retries = new ConcurrentHashMap<>();
    private final Map<HedgeKey, Counter> hedges = new ConcurrentHashMap<>();
    private final Map<String, Counter> translations = new ConcurrentHashMap<>();
    private final Map<String, Counter> connectWaits = new ConcurrentHashMap<>();
    private final Map<String, Timer> upstream = new ConcurrentHashMap<>();
    private final Map<String, Timer> firstByte = new ConcurrentHashMap<>();
    private final Map<String, Timer> admission = new ConcurrentHashMap<>();
    /** The {@code sluice_inflight} series of the accounts without one of their own. */
    static final String OTHER_ACCOUNTS = "other";

    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final AtomicInteger otherInFlight;
    private final Timer requestDuration;
    private final Timer overhead;
    private final Timer streamDuration;
    private final Counter storeErrors;

    public ProxyMetrics(MeterRegistry registry, Catalog catalog, List<String> accounts, int inFlightAccounts,
            BooleanSupplier limitStoreDegraded) {
        this.registry = registry;
        requestDuration = timer("sluice.request.duration", "Time from the request's first byte to its answer's last");
        overhead = timer("sluice.overhead", "Time spent in the proxy itself: the request's time minus the upstream's");
        streamDuration = timer("sluice.stream.duration", "Duration of relayed streams (text/event-stream answers)");
        storeErrors = Counter.builder("sluice.limit.store.errors").description("Failed or late calls to the limit store")
                .register(registry);
        for (String account : accounts) {
            if (inFlight.size() == inFlightAccounts) {
                break;
            }
            // an account named "other" counts in the series of that name with the rest: its own gauge would take the
            // series' place, and the rest's requests would go uncounted
            if (!OTHER_ACCOUNTS.equals(account)) {
                AtomicInteger count = new AtomicInteger();
                inFlight.put(account, count);
                Gauge.builder("sluice.inflight", count, AtomicInteger::get).tag("account", account)
                        .description("Requests in flight per account").register(registry);
            }
        }
        otherInFlight = new AtomicInteger();
        // always there: accounts made at run time (admin API) or by a reload, and those past the first, count in it
        if (inFlightAccounts > 0) {
            Gauge.builder("sluice.inflight", otherInFlight, AtomicInteger::get).tag("account", OTHER_ACCOUNTS)
                    .description("Requests in flight per account").register(registry);
        }
        backends(catalog);
        Gauge.builder("sluice.limit.store.degraded", limitStoreDegraded, degraded -> degraded.getAsBoolean() ? 1 : 0)
                .strongReference(true)
                .description("1 while Redis is unreachable and admission follows sluice.limits.redis-failure")
                .register(registry);
    }

    /**
     * The gauges of the catalogue's backends, in place of the previous catalogue's (a reload). A backend the reload
     * keeps by name keeps its series, now reading the new catalogue's backend: a scrape during a reload never finds
     * the series missing.
     */
    public synchronized void backends(Catalog catalog) {
        Map<String, BackendGauges> kept = new java.util.HashMap<>();
        for (Backend backend : catalog.backends()) {
            String key = backend.model() + "/" + backend.name();
            BackendGauges gauges = backendGauges.remove(key);
            if (gauges == null) {
                gauges = new BackendGauges(backend);
                gauges.circuit = Gauge.builder("sluice.circuit.state", gauges, held -> circuitValue(held.backend))
                        .strongReference(true).tag("backend", backend.name()).tag("model", backend.model())
                        .description("Circuit breaker per backend: 0 closed, 1 half-open, 2 open").register(registry);
            }
            gauges.backend = backend;
            if (backend.probe() != null && gauges.healthy == null) {
                gauges.healthy = Gauge.builder("sluice.backend.healthy", gauges, held -> held.backend.healthy() ? 1 : 0)
                        .strongReference(true).tag("backend", backend.name()).tag("model", backend.model())
                        .description("Active health check per backend that has one: 1 up, 0 down").register(registry);
            } else if (backend.probe() == null && gauges.healthy != null) {
                registry.remove(gauges.healthy);
                gauges.healthy = null;
            }
            kept.put(key, gauges);
            // at 0 from the start, so that a rate over it (the dashboard's, an alert's) reads 0 rather than nothing
            connectWaitsOf(backend.name());
        }
        for (BackendGauges removed : backendGauges.values()) {
            registry.remove(removed.circuit);
            if (removed.healthy != null) {
                registry.remove(removed.healthy);
            }
        }
        backendGauges.clear();
        backendGauges.putAll(kept);
    }

    /** One backend's gauges, and the backend of the current catalogue they read. */
    private static final class BackendGauges {
        volatile Backend backend;
        Gauge circuit;
        Gauge healthy;

        BackendGauges(Backend backend) {
            this.backend = backend;
        }
    }

    private Timer timer(String name, String description) {
        return Timer.builder(name).description(description).serviceLevelObjectives(BUCKETS)
                .minimumExpectedValue(BUCKETS[0]).maximumExpectedValue(BUCKETS[BUCKETS.length - 1]).register(registry);
    }

    private static double circuitValue(Backend backend) {
        CircuitBreakerState state = backend.breakerState();
        return state == CircuitBreakerState.CLOSED ? 0 : state == CircuitBreakerState.HALF_OPEN ? 1 : 2;
    }

    /** A request started for this account (after its key was known). */
    public void started(String account) {
        inFlightOf(account).incrementAndGet();
    }

    private AtomicInteger inFlightOf(String account) {
        AtomicInteger count = inFlight.get(account);
        return count != null ? count : otherInFlight;
    }

    /**
     * A request ended, whichever way.
     *
     * @param account the key's account, or null when the request ended before its key was known
     * @param model the model the client asked for, or null when it named none the catalogue knows
     * @param origin {@code router} or {@code provider}
     */
    public void requestEnded(String account, String model, int status, String code, String origin, long totalNanos,
            long upstreamNanos, boolean stream) {
        if (account != null) {
            inFlightOf(account).decrementAndGet();
        }
        String boundedCode = boundedCode(code, origin);
        requests.computeIfAbsent(new RequestKey(model != null ? model : "unknown", status, boundedCode, origin),
                key -> Counter.builder("sluice.requests").description("Requests answered")
                        .tag("model", key.model()).tag("status", Integer.toString(key.status()))
                        .tag("code", key.code()).tag("origin", key.origin()).register(registry)).increment();
        requestDuration.record(totalNanos, TimeUnit.NANOSECONDS);
        overhead.record(Math.max(0, totalNanos - upstreamNanos), TimeUnit.NANOSECONDS);
        if (stream) {
            streamDuration.record(upstreamNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** The code, with providers' own codes past the first {@link #MAX_PROVIDER_CODES} folded into "other". */
    private String boundedCode(String code, String origin) {
        if (code == null) {
            return "unknown";
        }
        if (!"provider".equals(origin) || "ok".equals(code) || providerCodes.contains(code)) {
            return code;
        }
        if (providerCodes.size() < MAX_PROVIDER_CODES && code.length() <= 64) {
            providerCodes.add(code);
            return code;
        }
        return "other";
    }

    /** A request translated from the client's protocol to its model's (contract §9). */
    public void translated(String from, String to) {
        translations.computeIfAbsent(from + ">" + to, key -> Counter.builder("sluice.translations")
                .description("Requests translated between the OpenAI and Anthropic protocols")
                .tag("from", from).tag("to", to).register(registry)).increment();
    }

    @Override
    public void attemptEnded(String backend, long nanos) {
        upstream.computeIfAbsent(backend, name -> Timer.builder("sluice.upstream.duration")
                .description("Duration of calls to backends, streams included").tag("backend", name)
                .serviceLevelObjectives(BUCKETS).register(registry)).record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void firstByte(String backend, long nanos) {
        firstByte.computeIfAbsent(backend, name -> Timer.builder("sluice.upstream.ttfb")
                .description("Time to a backend's response headers").tag("backend", name)
                .serviceLevelObjectives(BUCKETS).register(registry)).record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void waitedToConnect(String backend) {
        connectWaitsOf(backend).increment();
    }

    private Counter connectWaitsOf(String backend) {
        return connectWaits.computeIfAbsent(backend, name -> Counter.builder("sluice.upstream.connect.waits")
                .description("Calls that waited for a turn to connect (sluice.upstream.max-connecting)")
                .tag("backend", name).register(registry));
    }

    @Override
    public void retried(String failedBackend, String reason) {
        retries.computeIfAbsent(new RetryKey(failedBackend == null ? "none" : failedBackend, reason),
                key -> Counter.builder("sluice.retries").description("Retries, by the backend that failed and why")
                        .tag("backend", key.backend()).tag("reason", key.reason()).register(registry)).increment();
    }

    /** {@code model} is a configured model's name (the route's first), so the labels stay bounded. */
    @Override
    public void hedged(String model, String outcome) {
        hedges.computeIfAbsent(new HedgeKey(model, outcome),
                key -> Counter.builder("sluice.hedges")
                        .description("Attempts of requests for models with hedge, by how they ended")
                        .tag("model", key.model()).tag("outcome", key.outcome()).register(registry)).increment();
    }

    @Override
    public void decided(Limit refusedBy, String decision) {
        decisions.computeIfAbsent(new DecisionKey(refusedBy == null ? "none" : refusedBy.label(), decision),
                key -> Counter.builder("sluice.limit.decisions").description("Admission decisions")
                        .tag("limit", key.limit()).tag("decision", key.decision()).register(registry)).increment();
    }

    @Override
    public void storeFailed(Throwable failure) {
        storeErrors.increment();
    }

    @Override
    public void admissionTook(String store, long nanos) {
        admission.computeIfAbsent(store, name -> Timer.builder("sluice.admission.duration")
                .description("Admission latency per limit store").tag("store", name)
                .serviceLevelObjectives(BUCKETS).register(registry)).record(nanos, TimeUnit.NANOSECONDS);
    }
}
