package dev.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** An untranslated event stream written by whole events: what is held, what goes out, and that no byte changes. */
class WholeEventsTest {

    private static final String EVENT = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\"}\n\n";

    @Test
    void aReadEndingWhereAnEventEndsGoesOutAsItCame() {
        WholeEvents events = new WholeEvents();
        Buffer read = Buffer.buffer(EVENT + EVENT);

        assertThat(events.whole(read)).isSameAs(read);
        assertThat(events.heldLength()).isZero();
    }

    @Test
    void theStartOfAnEventIsHeldUntilTheReadThatEndsIt() {
        WholeEvents events = new WholeEvents();

        assertThat(text(events.whole(Buffer.buffer(EVENT + "event: content_block_delta\nda")))).isEqualTo(EVENT);
        assertThat(events.heldLength()).isEqualTo("event: content_block_delta\nda".length());
        assertThat(events.whole(Buffer.buffer("ta: {}\n"))).isNull();
        assertThat(text(events.whole(Buffer.buffer("\ndata: [DO")))).isEqualTo("event: content_block_delta\ndata: {}\n\n");
        assertThat(text(events.rest(null))).isEqualTo("data: [DO");
        assertThat(events.rest(null)).isNull();
    }

    @Test
    void aBlankLineSplitBetweenTwoReadsEndsTheEventInTheSecond() {
        WholeEvents events = new WholeEvents();

        assertThat(events.whole(Buffer.buffer("data: 1\n"))).isNull();
        assertThat(text(events.whole(Buffer.buffer("\n")))).isEqualTo("data: 1\n\n");
        assertThat(events.heldLength()).isZero();
    }

    @Test
    void crlfAndCrLineEndsEndEventsToo() {
        WholeEvents events = new WholeEvents();

        assertThat(text(events.whole(Buffer.buffer("data: 1\r\n\r\ndata: 2\r\n")))).isEqualTo("data: 1\r\n\r\n");
        assertThat(text(events.whole(Buffer.buffer("\r\ndata: 3\r\rdata: 4\r")))).isEqualTo("data: 2\r\n\r\ndata: 3\r\r");
        // a CR ending a read: the LF that may follow belongs to the same line end, not to a blank line
        assertThat(events.whole(Buffer.buffer("\n"))).isNull();
        assertThat(text(events.whole(Buffer.buffer("\r\n")))).isEqualTo("data: 4\r\n\r\n");
    }

    @Test
    void aBrokenStreamDropsItsHalfEvent() {
        WholeEvents events = new WholeEvents();
        events.whole(Buffer.buffer(EVENT + "event: content_block_delta\nd"));

        events.drop();

        assertThat(events.heldLength()).isZero();
        assertThat(events.rest(null)).isNull();
    }

    @Test
    void theAnswersLastReadGoesOutAfterWhatWasHeld() {
        WholeEvents events = new WholeEvents();
        events.whole(Buffer.buffer("data: [DONE]"));

        assertThat(text(events.rest(Buffer.buffer("\n")))).isEqualTo("data: [DONE]\n");
    }

    @Test
    void anEventWithoutEndInSightIsLetThroughRatherThanHeldWithoutBound() {
        WholeEvents events = new WholeEvents();
        String line = "data: " + "x".repeat(1000);
        int written = 0;
        int sent = 0;
        for (int i = 0; i < 100; i++) {
            Buffer out = events.whole(Buffer.buffer(line));
            sent += line.length();
            written += out == null ? 0 : out.length();
            assertThat(events.heldLength()).isLessThanOrEqualTo(WholeEvents.MAX_HELD);
        }
        assertThat(written + events.heldLength()).isEqualTo(sent);
        assertThat(written).isPositive();
    }

    @Test
    void anyCutOfAStreamGivesItsBytesBackInOrderAndEachWriteEndsAnEvent() {
        String stream = "event: message_start\ndata: {\"a\":1}\n\n: ping\n\r\ndata: 2\r\n\r\nevent: x\rdata: \u00e9\u65e5\r\r"
                + "data: [DONE]\n\n";
        Random random = new Random(42);
        for (int round = 0; round < 500; round++) {
            byte[] bytes = stream.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            WholeEvents events = new WholeEvents();
            List<Buffer> writes = new ArrayList<>();
            int at = 0;
            while (at < bytes.length) {
                int next = Math.min(bytes.length, at + 1 + random.nextInt(12));
                Buffer out = events.whole(Buffer.buffer().appendBytes(bytes, at, next - at));
                if (out != null) {
                    writes.add(out);
                }
                at = next;
            }
            Buffer all = Buffer.buffer();
            writes.forEach(all::appendBuffer);
            assertThat(all.toString()).isEqualTo(stream);
            assertThat(events.heldLength()).isZero();
            for (Buffer write : writes) {
                String text = write.toString();
                assertThat(text.endsWith("\n\n") || text.endsWith("\r\n\r\n") || text.endsWith("\r\r")
                        || text.endsWith("\n\r\n") || text.endsWith("\n\r") || text.endsWith("\r\n\n") || text.endsWith("\r\n\r"))
                        .as("a write ends where an event ends: %s", text).isTrue();
            }
        }
    }

    private static String text(Buffer buffer) {
        return buffer == null ? null : buffer.toString();
    }
}
