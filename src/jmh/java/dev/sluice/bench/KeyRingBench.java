package dev.sluice.bench;

import dev.sluice.auth.ApiKey;
import dev.sluice.auth.KeyRing;
import dev.sluice.config.ConfigProblems;
import dev.sluice.config.SluiceConfig;
import io.vertx.core.MultiMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** The key lookup of every request: SHA-256 of the presented key, then a constant-time comparison. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class KeyRingBench {

    private KeyRing keys;
    private MultiMap headers;

    @Setup
    public void setUp() {
        SluiceConfig.Key key = new SluiceConfig.Key() {
            @Override
            public Optional<String> sha256() {
                return Optional.empty();
            }

            @Override
            public Optional<String> key() {
                return Optional.of("sk-bench-0123456789abcdef0123456789abcdef");
            }

            @Override
            public String account() {
                return "bench";
            }

            @Override
            public Optional<List<String>> models() {
                return Optional.empty();
            }

            @Override
            public Optional<List<String>> protocols() {
                return Optional.empty();
            }
        };
        ConfigProblems problems = new ConfigProblems();
        keys = KeyRing.build(List.of(key), Set.of("bench"), Set.of("mock-model"), problems);
        problems.throwIfAny();
        headers = MultiMap.caseInsensitiveMultiMap()
                .add("content-type", "application/json")
                .add("authorization", "Bearer sk-bench-0123456789abcdef0123456789abcdef");
    }

    @Benchmark
    public ApiKey authenticate() {
        ApiKey key = keys.authenticate(headers);
        if (key == null) {
            throw new IllegalStateException("key not found");
        }
        return key;
    }
}
