package dev.sluice.bench;

import dev.sluice.body.BodyScanner;
import dev.sluice.body.RequestBody;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The one scan of a request body: top-level fields only ({@code model}, {@code stream}, {@code max_tokens}, every
 * nested value skipped) as for a request without validation, and with the tree built in the same pass as when
 * validation is on or the account settles tokens or credits.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class BodyScanBench {

    @Param({"1.5k", "100k"})
    public String size;

    private byte[] body;

    @Setup
    public void setUp() {
        body = Bodies.of(size);
    }

    @Benchmark
    public RequestBody scanWithoutTree() {
        return BodyScanner.scan(body, body.length, false);
    }

    @Benchmark
    public RequestBody scanWithTree() {
        return BodyScanner.scan(body, body.length, true);
    }
}
