package dev.sluice.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.body.BodyScanner;
import dev.sluice.api.Endpoint;
import dev.sluice.validation.RequestValidator;
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
 * The schema and tool checks of a chat body ({@code RequestValidator.checkShape}) on its already built tree: the part
 * of validation that comes after the scan with tree ({@link BodyScanBench#scanWithTree}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ValidationBench {

    @Param({"1.5k", "100k"})
    public String size;

    private ObjectNode tree;

    @Setup
    public void setUp() {
        byte[] body = Bodies.of(size);
        tree = BodyScanner.scan(body, body.length, true).tree();
    }

    @Benchmark
    public ObjectNode checkShape() {
        RequestValidator.checkShape(Endpoint.CHAT_COMPLETIONS, tree);
        return tree;
    }
}
