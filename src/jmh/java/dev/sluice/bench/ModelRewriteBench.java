package dev.sluice.bench;

import dev.sluice.body.BodyScanner;
import dev.sluice.body.RequestBody;
import io.vertx.core.buffer.Buffer;
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
 * The body sent upstream ({@code RequestBody.forUpstream}): the original bytes wrapped without a copy when the
 * backend knows the model by the same name, one copy with only the {@code model} value replaced when it does not.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ModelRewriteBench {

    @Param({"1.5k", "100k"})
    public String size;

    private RequestBody body;

    @Setup
    public void setUp() {
        byte[] bytes = Bodies.of(size);
        body = BodyScanner.scan(bytes, bytes.length, false);
    }

    @Benchmark
    public Buffer sameModel() {
        return body.forUpstream("mock-model");
    }

    @Benchmark
    public Buffer rewrittenModel() {
        return body.forUpstream("meta-llama/Llama-3.1-8B-Instruct");
    }
}
