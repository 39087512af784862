package dev.sluice.bench;

import dev.sluice.error.ErrorCode;
import dev.sluice.error.ErrorEnvelope;
import dev.sluice.error.ProxyError;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Rendering the error envelope: a 429 of the proxy's own limits (the error most often answered under load), on an
 * OpenAI and an Anthropic endpoint, and a 502 with two attempts listed.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ErrorEnvelopeBench {

    private ProxyError quota;
    private ProxyError backend;

    @Setup
    public void setUp() {
        quota = ProxyError.of(ErrorCode.REQUEST_QUOTA_EXCEEDED, "This account used all 1000 requests of its quota window.")
                .with("request_limit", 1000L).with("window_end", "2026-11-21T10:00:00Z").with("plan_tier", "pro");
        JsonArray attempts = new JsonArray()
                .add(new JsonObject().put("backend", "a").put("model", "meta-llama/Llama-3.1-8B-Instruct")
                        .put("code", "http_503").put("status", 503).put("duration_ms", 12))
                .add(new JsonObject().put("backend", "b").put("model", "meta-llama/Llama-3.1-8B-Instruct")
                        .put("code", "backend_connect_error").put("duration_ms", 1));
        backend = ProxyError.of(ErrorCode.BACKEND_HTTP_ERROR, "The backend for model 'small' failed with HTTP 503.")
                .with("model", "small").with("attempts", attempts).with("upstream_status", 503);
    }

    @Benchmark
    public Buffer quotaOpenAi() {
        return ErrorEnvelope.render(quota, "req_0123456789ab", false);
    }

    @Benchmark
    public Buffer quotaAnthropic() {
        return ErrorEnvelope.render(quota, "req_0123456789ab", true);
    }

    @Benchmark
    public Buffer backendErrorWithAttempts() {
        return ErrorEnvelope.render(backend, "req_0123456789ab", false);
    }
}
