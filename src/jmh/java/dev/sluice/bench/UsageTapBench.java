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
 * of 20 chunks whose last data chunk carries {@code usage}; the same stream without usage (the tap sees every
 * chunk and finds nothing); an Anthropic stream of 21 chunks with cached input tokens. One operation is one whole
 * answer through a fresh tap.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class UsageTapBench {

    private Buffer json;
    private List<Buffer> streamWithUsage;
    private List<Buffer> streamWithoutUsage;
    private List<Buffer> anthropicStream;

    @Setup
    public void setUp() {
        json = Buffer.buffer("{\"id\":\"chatcmpl-mock\",\"object\":\"chat.completion\",\"created\":1763715600,"
                + "\"model\":\"mock-model\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
                + "\"Hello! This is a canned response from the mock backend.\"},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":12,\"total_tokens\":24},\"system_fingerprint\":\"fp_mock\"}");
        streamWithoutUsage = stream(false);
        streamWithUsage = stream(true);
        anthropicStream = anthropicChunks();
    }

    private static List<Buffer> anthropicChunks() {
        List<Buffer> chunks = new ArrayList<>();
        chunks.add(Buffer.buffer("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_mock\","
                + "\"type\":\"message\",\"role\":\"assistant\",\"model\":\"mock-model\",\"content\":[],\"usage\":{\"input_tokens\":12,"
                + "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":2048,\"output_tokens\":1}}}\n\n"));
        chunks.add(Buffer.buffer("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"));
        for (int i = 0; i < 16; i++) {
            chunks.add(Buffer.buffer("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                    + "\"delta\":{\"type\":\"text_delta\",\"text\":\"tok \"}}\n\n"));
        }
        chunks.add(Buffer.buffer("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"));
        chunks.add(Buffer.buffer("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
                + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":16}}\n\n"));
        chunks.add(Buffer.buffer("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));
        return chunks;
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

    /** Anthropic's stream: input (with cached tokens) in message_start, output in message_delta. */
    @Benchmark
    public long anthropicStream() {
        UsageTap tap = new UsageTap();
        for (Buffer chunk : anthropicStream) {
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
