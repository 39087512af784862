package dev.sluice.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.body.BodyScanner;
import dev.sluice.translate.StreamTranslator;
import dev.sluice.translate.TranslatedRequest;
import dev.sluice.translate.Translation;
import io.vertx.core.buffer.Buffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What protocol translation costs on top of plain forwarding (contract §9): the ~1.5 KB chat request (system, user,
 * one tool) from its tree into Anthropic's body bytes; one Anthropic JSON answer into a {@code chat.completion}; one
 * stream chunk (a {@code text_delta} event) through a running stream translator into a {@code chat.completion.chunk}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TranslationBench {

    private static final String ANSWER = "{\"id\":\"msg_01XFDUDYJgAACzvnptvVoYEL\",\"type\":\"message\",\"role\":\"assistant\","
            + "\"model\":\"claude-sonnet-4-5-20250929\",\"content\":[{\"type\":\"text\",\"text\":\"Hello! This is a canned "
            + "response from the mock backend.\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":12,"
            + "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":12}}";
    private static final String CHUNK = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
            + "\"delta\":{\"type\":\"text_delta\",\"text\":\"tok \"}}\n\n";

    private ObjectNode chatRequest;
    private TranslatedRequest translated;
    private Buffer answer;
    private Buffer chunk;
    private StreamTranslator stream;
    private Blackhole sink;

    @Setup
    public void setUp(Blackhole blackhole) {
        byte[] body = Bodies.of("1.5k");
        chatRequest = BodyScanner.scan(body, body.length, true).tree();
        translated = Translation.OPENAI_TO_ANTHROPIC.request(chatRequest, "claude-sonnet-4-5-20250929", 1024, null);
        answer = Buffer.buffer(ANSWER);
        chunk = Buffer.buffer(CHUNK);
        sink = blackhole;
        // a stream past its start, with its text block open: every further chunk is one text delta
        stream = translated.streamTranslator("req_0123456789ab", out -> sink.consume(out));
        stream.accept(Buffer.buffer("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\","
                + "\"usage\":{\"input_tokens\":12,\"output_tokens\":1}}}\n\nevent: content_block_start\ndata: "
                + "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"));
    }

    @Benchmark
    public Buffer chatRequestToAnthropic() {
        return Translation.OPENAI_TO_ANTHROPIC.request(chatRequest, "claude-sonnet-4-5-20250929", 1024, null).body();
    }

    @Benchmark
    public Buffer anthropicAnswerToChat() {
        return translated.answer(answer);
    }

    @Benchmark
    public boolean anthropicStreamChunkToChat() {
        stream.accept(chunk);
        if (stream.finished()) {
            throw new IllegalStateException("the stream ended: " + stream.failure());
        }
        return true;
    }
}
