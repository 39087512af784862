package dev.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * {@link FinalLineWatch} finds a stream's final line however the network cut the stream into chunks: for any stream of
 * event lines (data lines that mention {@code [DONE]} in their text, comments, blank lines, {@code \n} or {@code \r\n}
 * ends, the last line with or without its end) and any cuts, it reports once, in the chunk that holds the first final
 * line's end, and never when the stream has none; a stream whose last line is a final line without its end ended on
 * it.
 */
class FinalLineWatchProperties {

    private static final Set<String> FINAL = Set.of("data: [DONE]", "data:[DONE]", "event: message_stop",
            "event:message_stop");

    @Property(tries = 3000)
    void reportsTheFinalLineOnceInTheChunkThatEndsIt(@ForAll("streams") List<String> lines,
            @ForAll boolean lastLineUnended, @ForAll("cuts") List<Integer> cutsAt) {
        if (lastLineUnended && !lines.isEmpty()) {
            lines.set(lines.size() - 1, lines.get(lines.size() - 1).stripTrailing());
        }
        String stream = String.join("", lines);
        List<String> chunks = cut(stream, cutsAt);

        FinalLineWatch watch = new FinalLineWatch();
        List<Integer> reportedIn = new ArrayList<>();
        for (int i = 0; i < chunks.size(); i++) {
            if (watch.accept(Buffer.buffer(chunks.get(i)))) {
                reportedIn.add(i);
            }
        }

        int end = endOfFirstFinalLine(lines);
        if (end < 0 || end == stream.length()) {
            assertThat(reportedIn).as(chunks.toString()).isEmpty();
        } else {
            assertThat(reportedIn).as(chunks.toString()).containsExactly(chunkHolding(chunks, end));
        }
        assertThat(watch.endedOnFinalLine()).as(chunks.toString()).isEqualTo(end >= 0 && end == stream.length());
    }

    @Example
    void findsADoneLineCutInsideItsBrackets() {
        FinalLineWatch watch = new FinalLineWatch();

        assertThat(watch.accept(Buffer.buffer("data: {\"choices\":[]}\n\ndata: [DO"))).isFalse();
        assertThat(watch.accept(Buffer.buffer("NE]"))).isFalse();
        assertThat(watch.endedOnFinalLine()).isTrue();
        assertThat(watch.accept(Buffer.buffer("\n\n"))).isTrue();
        assertThat(watch.endedOnFinalLine()).isFalse();
    }

    @Example
    void takesALineOnlyAtTheStartOfALine() {
        FinalLineWatch watch = new FinalLineWatch();

        assertThat(watch.accept(Buffer.buffer("data: {\"text\":\"say data: [DONE]\"}\n"))).isFalse();
        assertThat(watch.accept(Buffer.buffer(" data: [DONE]\n"))).isFalse();
        assertThat(watch.accept(Buffer.buffer("data: [DONE]\n"))).isTrue();
    }

    @Example
    void anErrorEventsLineEndsTheStreamAsAnError() {
        FinalLineWatch watch = new FinalLineWatch();

        assertThat(watch.accept(Buffer.buffer("event: message_start\ndata: {}\n\nevent: err"))).isFalse();
        assertThat(watch.endedOnError()).isFalse();
        assertThat(watch.accept(Buffer.buffer("or\ndata: {\"type\":\"error\"}\n\n"))).isTrue();
        assertThat(watch.endedOnError()).isTrue();
    }

    @Example
    void anErrorEventsLineWithoutItsEndIsNoWholeEnding() {
        FinalLineWatch watch = new FinalLineWatch();

        assertThat(watch.accept(Buffer.buffer("data: {}\n\nevent:error"))).isFalse();
        // the client would get no error from it: the stream did not end on a final line
        assertThat(watch.endedOnFinalLine()).isFalse();
        assertThat(watch.endedOnError()).isFalse();
    }

    @Example
    void theStopEventIsNoError() {
        FinalLineWatch watch = new FinalLineWatch();

        assertThat(watch.accept(Buffer.buffer("event: message_stop\ndata: {}\n\n"))).isTrue();
        assertThat(watch.endedOnError()).isFalse();
    }

    @Provide
    Arbitrary<List<String>> streams() {
        Arbitrary<String> content = Arbitraries.of("data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}",
                "data: {\"text\":\"data: [DONE]\"}", "data: [DONE] is what it said", "event: message_start",
                "event: message_delta", "event: message_stop_soon", ": keep-alive", "", "data:", "data: [",
                "data: [DONE]", "data:[DONE]", "event: message_stop", "event:message_stop", " data: [DONE]",
                "xdata: [DONE]");
        Arbitrary<String> lineEnd = Arbitraries.of("\n", "\n", "\r\n");
        return net.jqwik.api.Combinators.combine(content, lineEnd).as((text, end) -> text + end)
                .list().ofMinSize(0).ofMaxSize(8).map(ArrayList::new);
    }

    @Provide
    Arbitrary<List<Integer>> cuts() {
        return Arbitraries.integers().between(0, 400).list().ofMaxSize(12);
    }

    /** The stream's text cut at the given offsets (those inside it), every chunk non-empty. */
    private static List<String> cut(String stream, List<Integer> cutsAt) {
        TreeSet<Integer> offsets = new TreeSet<>();
        cutsAt.stream().filter(at -> at > 0 && at < stream.length()).forEach(offsets::add);
        offsets.add(stream.length());
        List<String> chunks = new ArrayList<>();
        int from = 0;
        for (int to : offsets) {
            if (to > from) {
                chunks.add(stream.substring(from, to));
            }
            from = to;
        }
        return chunks;
    }

    /** The offset of the first final line's end (right after its last byte), or -1. */
    private static int endOfFirstFinalLine(List<String> lines) {
        int offset = 0;
        for (String line : lines) {
            String text = line.endsWith("\r\n") ? line.substring(0, line.length() - 2)
                    : line.endsWith("\n") ? line.substring(0, line.length() - 1) : line;
            if (FINAL.contains(text)) {
                return offset + text.length();
            }
            offset += line.length();
        }
        return -1;
    }

    /** The index of the chunk that holds the stream's byte at {@code offset}. */
    private static int chunkHolding(List<String> chunks, int offset) {
        int end = 0;
        for (int i = 0; i < chunks.size(); i++) {
            end += chunks.get(i).length();
            if (end > offset) {
                return i;
            }
        }
        throw new AssertionError("no chunk reaches " + offset);
    }
}
