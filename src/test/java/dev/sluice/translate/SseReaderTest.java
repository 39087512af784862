package dev.sluice.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The event stream reader, against the WHATWG rules it must follow whatever the chunking. */
class SseReaderTest {

    private final List<String> events = new ArrayList<>();
    private final SseReader reader = new SseReader((type, data, length) ->
            events.add(type + "|" + new String(data, 0, length, StandardCharsets.UTF_8)));

    private void feed(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        reader.feed(bytes, 0, bytes.length);
    }

    @Test
    void dispatchesAnEventAtItsBlankLine() {
        feed("event: a\ndata: 1\n");
        assertThat(events).isEmpty();

        feed("\n");
        assertThat(events).containsExactly("a|1");
    }

    @Test
    void readsEveryLineEnding() {
        feed("data: lf\n\ndata: crlf\r\n\r\ndata: cr\r\rdata: mixed\r\n\n");

        assertThat(events).containsExactly("message|lf", "message|crlf", "message|cr", "message|mixed");
    }

    @Test
    void aCrLfSplitAcrossChunksIsOneLineEnding() {
        feed("data: x\r");
        feed("\n\r");
        feed("\n");

        assertThat(events).containsExactly("message|x");
    }

    @Test
    void joinsDataLinesWithLineFeeds() {
        feed("data: {\"a\":\ndata:1}\ndata\n\n");

        assertThat(events).containsExactly("message|{\"a\":\n1}\n");
    }

    @Test
    void skipsCommentsIdsRetriesAndUnknownFields() {
        feed(": keep-alive\nid: 42\nretry: 1000\nfoo: bar\nevent: ping\ndata: {}\n\n: just a comment\n\n");

        assertThat(events).containsExactly("ping|{}");
    }

    @Test
    void anEventWithoutDataIsNotDispatchedAndItsNameIsForgotten() {
        feed("event: lonely\n\ndata: x\n\n");

        assertThat(events).containsExactly("message|x");
    }

    @Test
    void removesOneSpaceAfterTheColonAndNoMore() {
        feed("data:no space\n\ndata:  two spaces\n\n");

        assertThat(events).containsExactly("message|no space", "message| two spaces");
    }

    @Test
    void ignoresAByteOrderMarkAtTheStart() {
        feed("\uFEFFdata: x\n\n");

        assertThat(events).containsExactly("message|x");
    }

    @Test
    void keepsMultiByteCharactersSplitAcrossChunks() {
        byte[] bytes = "data: héllo ✓\n\n".getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) {
            reader.feed(new byte[] {b}, 0, 1);
        }

        assertThat(events).containsExactly("message|héllo ✓");
    }

    @Test
    void dispatchesALastEventWithoutItsBlankLineAtTheEnd() {
        feed("data: [DONE]");
        reader.end();

        assertThat(events).containsExactly("message|[DONE]");
    }

    @Test
    void refusesAnEndlessLine() {
        byte[] chunk = new byte[1024 * 1024];
        java.util.Arrays.fill(chunk, (byte) 'x');

        assertThatThrownBy(() -> {
            for (int i = 0; i < 20; i++) {
                reader.feed(chunk, 0, chunk.length);
            }
        }).isInstanceOf(UnreadableStream.class);
    }
}
