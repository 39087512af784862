package dev.sluice.bench;

import dev.sluice.auth.ApiKey;
import dev.sluice.auth.KeyRing;
import dev.sluice.config.ConfigProblems;
import dev.sluice.config.SluiceConfig;
import dev.sluice.control.ControlPlane;
import dev.sluice.control.FileSetup;
import dev.sluice.control.RuntimeKey;
import dev.sluice.control.RuntimeState;
import dev.sluice.testing.Configs;
import io.vertx.core.MultiMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The key stage's lookup through the request's generation: a key of the file, and a runtime key (created through the
 * admin API) among 10,000 others. Neither asks a store; the runtime key is one more map lookup after the file's.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class GenerationBench {

    private static final String FILE_KEY = "sk-bench-0123456789abcdef0123456789abcdef";
    private static final String RUNTIME_KEY = "sk-sluice-0123456789ABCDEFGHIJabcdefghij0123456789";

    private ControlPlane control;
    private MultiMap fileHeaders;
    private MultiMap runtimeHeaders;

    @Setup
    public void setUp() {
        SluiceConfig config = Configs.of("sluice.models.mock-model.backends[0].url", "http://127.0.0.1:9",
                "sluice.accounts.bench.concurrency", "10", "sluice.keys[0].key", FILE_KEY,
                "sluice.keys[0].account", "bench");
        ConfigProblems problems = new ConfigProblems();
        FileSetup file = FileSetup.build(config, config, dev.sluice.config.SluiceConfigFile.Declared.NONE, problems,
                (backend, breaker) -> null); // no calls made
        problems.throwIfAny();
        control = new ControlPlane(file, catalog -> { });
        Map<String, RuntimeKey> keys = new HashMap<>();
        for (int i = 0; i < 10_000; i++) {
            keys.put("key_" + i, new RuntimeKey("key_" + i, KeyRing.sha256("sk-sluice-other-" + i), "bench", null, null,
                    null, 0, 0));
        }
        keys.put("key_runtime", new RuntimeKey("key_runtime", KeyRing.sha256(RUNTIME_KEY), "bench", null, null, null, 0,
                Long.MAX_VALUE));
        control.runtime(new RuntimeState(1, keys, Map.of(), Set.of()));
        fileHeaders = MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json")
                .add("authorization", "Bearer " + FILE_KEY);
        runtimeHeaders = MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json")
                .add("authorization", "Bearer " + RUNTIME_KEY);
    }

    @Benchmark
    public ApiKey fileKey() {
        return found(control.generation().authenticate(fileHeaders));
    }

    @Benchmark
    public ApiKey runtimeKey() {
        return found(control.generation().authenticate(runtimeHeaders));
    }

    private static ApiKey found(ApiKey key) {
        if (key == null) {
            throw new IllegalStateException("key not found");
        }
        return key;
    }
}
