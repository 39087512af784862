package dev.sluice.bench;

import dev.sluice.accesslog.AccessLines;
import dev.sluice.accesslog.AccessLogWriter;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The access log's share of a request on its event loop (issue 12's target: at most 3 µs a request): a line of a
 * plain request formatted with the fields {@code AccessLog} writes, and that line queued for the writer, whose
 * thread writes it to an output that discards it. The writer's own thread is measured apart, by
 * {@code bench/run.sh access-log}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AccessLineBench {

    private final AccessLines lines = new AccessLines();
    private AccessLogWriter writer;

    @Setup(Level.Trial)
    public void startWriter() {
        writer = new AccessLogWriter(OutputStream.nullOutputStream(), 32_768);
    }

    @TearDown(Level.Trial)
    public void stopWriter() {
        writer.close();
    }

    @Benchmark
    public byte[] formatted() {
        return line();
    }

    @Benchmark
    public boolean formattedAndQueued() {
        return writer.offer(line());
    }

    private byte[] line() {
        return lines.start()
                .text("request_id", "req_62f62f795dc4")
                .text("method", "POST")
                .text("path", "/v1/chat/completions")
                .text("account", "bench")
                .text("model", "mock-model")
                .text("backend", "mock")
                .number("status", 200)
                .text("code", "ok")
                .text("origin", "provider")
                .text("attempts", "-")
                .millis("duration_ms", 1_234)
                .millis("upstream_ms", 987)
                .number("bytes_in", 1_282)
                .number("bytes_out", 219)
                .flag("stream", false)
                .bytes();
    }
}
