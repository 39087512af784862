package dev.sluice.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

/** Which stream openings are held until their first event is whole, and what is read from it. */
class StreamOpeningTest {

    private static final String OVERLOADED = "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
            + "\"message\":\"Overloaded\"}}\n\n";

    @Test
    void anErrorEventAndEveryBeginningOfOneMayOpenWithAnError() {
        for (int length = 1; length <= OVERLOADED.length(); length++) {
            assertThat(StreamOpening.mayOpenWithError(Buffer.buffer(OVERLOADED.substring(0, length))))
                    .as("the first %d bytes", length).isTrue();
        }
        assertThat(StreamOpening.mayOpenWithError(Buffer.buffer("event:error\r\ndata: {}\r\n\r\n"))).isTrue();
    }

    @Test
    void otherEventsGoOnAtOnce() {
        assertThat(StreamOpening.mayOpenWithError(Buffer.buffer("event: message_start\ndata: {}\n\n"))).isFalse();
        assertThat(StreamOpening.mayOpenWithError(Buffer.buffer("event: errors\n"))).isFalse();
        assertThat(StreamOpening.mayOpenWithError(Buffer.buffer("data: {\"type\":\"error\"}\n\n"))).isFalse();
        assertThat(StreamOpening.mayOpenWithError(Buffer.buffer(": ping\n\n"))).isFalse();
    }

    @Test
    void theFirstEventIsCompleteAtItsBlankLine() {
        assertThat(StreamOpening.firstEventComplete(Buffer.buffer(OVERLOADED.substring(0, OVERLOADED.length() - 1))))
                .isFalse();
        assertThat(StreamOpening.firstEventComplete(Buffer.buffer(OVERLOADED))).isTrue();
        assertThat(StreamOpening.firstEventComplete(Buffer.buffer("event: error\r\ndata: {}\r\n\r\n"))).isTrue();
        assertThat(StreamOpening.firstEventComplete(Buffer.buffer("event: error\r\ndata: {}\r\n"))).isFalse();
    }

    @Test
    void theDataOfTheFirstEventIsTheErrorObject() {
        assertThat(StreamOpening.firstEventData(Buffer.buffer(OVERLOADED + "event: ping\ndata: {}\n\n")).toString())
                .isEqualTo("{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}");
        assertThat(StreamOpening.firstEventData(Buffer.buffer("event: error\n\ndata: {\"later\":1}\n\n")).length()).isZero();
    }
}
