package dev.sluice.bench;

import dev.sluice.limits.UsageTap;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * {@code UsageTap}: what settling tokens or credits costs per answer. A JSON answer in one chunk; an OpenAI stream
 * of 20 chunks whose last data chunk carries {@code usage}; and the same stream without usage (the tap sees every
 * chunk and finds nothing). One operation is one whole answer through a fresh tap.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class UsageTapBench {

    private Buffer json;
    private List<Buffer> streamWithUsage;
    private List<Buffer> streamWithoutUsage;

    @Setup
    public void setUp() {
        json = Buffer.buffer("{\"id\":\"chatcmpl-mock\",\"object\":\"chat.completion\",\"created\":1763715600,"
                + "\"model\":\"mock-model\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
                + "\"Hello! This is a canned response from the mock backend.\"},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":12,\"total_tokens\":24},\"system_fingerprint\":\"fp_mock\"}");
        streamWithoutUsage = stream(false);
        streamWithUsage = stream(true);
    }

    private static List<Buffer> stream(boolean usage) {
        List<Buffer> chunks = new ArrayList<>();
        chunks.add(chunk("{\"role\":\"assistant\",\"content\":\"\"}", "null"));
        for (int i = 0; i < 16; i++) {
            chunks.add(chunk("{\"content\":\"tok \"}", "null"));
        }
        chunks.add(chunk("{}", "\"stop\""));
        if (usage) {
            chunks.add(Buffer.buffer("data: {\"id\":\"chatcmpl-mock\",\"object\":\"chat.completion.chunk\",\"created\":1763715600,"
                    + "\"model\":\"mock-model\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":16,"
                    + "\"total_tokens\":28}}\n\n"));
        }
        chunks.add(Buffer.buffer("data: [DONE]\n\n"));
        return chunks;
    }

    private static Buffer chunk(String delta, String finish) {
        return Buffer.buffer("data: {\"id\":\"chatcmpl-mock\",\"object\":\"chat.completion.chunk\",\"created\":1763715600,"
                + "\"model\":\"mock-model\",\"choices\":[{\"index\":0,\"delta\":" + delta
                + ",\"logprobs\":null,\"finish_reason\":" + finish + "}]}\n\n");
    }

    @Benchmark
    public long jsonAnswer() {
        UsageTap tap = new UsageTap();
        tap.accept(json);
        return check(tap);
    }

    @Benchmark
    public long streamWithUsage() {
        UsageTap tap = new UsageTap();
        for (Buffer chunk : streamWithUsage) {
            tap.accept(chunk);
        }
        return check(tap);
    }

    @Benchmark
    public long streamWithoutUsage() {
        UsageTap tap = new UsageTap();
        for (Buffer chunk : streamWithoutUsage) {
            tap.accept(chunk);
        }
        return tap.inputTokens();
    }

    private static long check(UsageTap tap) {
        if (!tap.found()) {
            throw new IllegalStateException("usage not found");
        }
        return tap.inputTokens() + tap.outputTokens();
    }
}
