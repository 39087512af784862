package dev.sluice.control;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The control plane's series (contract §8): {@code sluice_config_reloads_total{result}} and
 * {@code sluice_admin_requests_total{operation,status}}. Labels are bounded: the results are two, the operations
 * the admin API's eight plus {@code unknown}, the statuses those it answers. Thread-safe.
 */
public final class ControlMetrics {

    private record AdminKey(String operation, int status) {
    }

    private final MeterRegistry registry;
    private final Map<String, Counter> reloads = new ConcurrentHashMap<>();
    private final Map<AdminKey, Counter> admin = new ConcurrentHashMap<>();

    public ControlMetrics(MeterRegistry registry) {
        this.registry = registry;
        reloaded("applied", 0);
        reloaded("rejected", 0);
    }

    /** A reload of the configuration file, {@code applied} or {@code rejected}. */
    public void reloaded(String result) {
        reloaded(result, 1);
    }

    private void reloaded(String result, int count) {
        reloads.computeIfAbsent(result, name -> Counter.builder("sluice.config.reloads")
                .description("Reloads of the configuration file, applied or rejected").tag("result", name)
                .register(registry)).increment(count);
    }

    /** One answer of the admin API. */
    public void adminAnswered(String operation, int status) {
        admin.computeIfAbsent(new AdminKey(operation, status), key -> Counter.builder("sluice.admin.requests")
                .description("Requests to the admin API, by operation and status").tag("operation", key.operation())
                .tag("status", Integer.toString(key.status())).register(registry)).increment();
    }
}
