package dev.sluice.bench;

import dev.sluice.wire.RequestIds;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** Request id resolution (contract §2): none sent (a fresh id), a well-formed one echoed, a client value prefixed. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RequestIdBench {

    private final List<String> none = List.of();
    private final List<String> generated = List.of("req_0123456789ab");
    private final List<String> client = List.of("3f2c9a7e-5b1d-4c8e-9f0a-6d2b7c1e4a90");

    @Benchmark
    public String noneSent() {
        return RequestIds.resolve(none);
    }

    @Benchmark
    public String wellFormedEchoed() {
        return RequestIds.resolve(generated);
    }

    @Benchmark
    public String clientValuePrefixed() {
        return RequestIds.resolve(client);
    }
}
