package dev.sluice.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Test;

class AccessLinesTest {

    static final long AT = ZonedDateTime.of(2026, 11, 30, 9, 5, 7, 42_000_000, ZoneId.of("UTC")).toInstant().toEpochMilli();

    @Test
    void aLineLooksLikeTheConsoleLogsLines() {
        AccessLines.Line line = new AccessLines(ZoneId.of("UTC")).start(AT)
                .text("request_id", "req_62f62f795dc4").number("status", 200).flag("stream", false);
        assertThat(new String(line.bytes(), StandardCharsets.UTF_8))
                .isEqualTo("09:05:07.042 INFO  [sl.access] request_id=req_62f62f795dc4 status=200 stream=false");
    }

    @Test
    void numbersAndDurationsAreWrittenAsTheLoggingSystemsLineWritesThem() {
        AccessLines lines = new AccessLines(ZoneId.of("UTC"));
        long[] micros = {0, 7, 999, 1_000, 1_005, 12_034, 123_456_789, -3};
        long[] numbers = {0, 9, 10, 4_096, Long.MAX_VALUE, -1, Long.MIN_VALUE};
        for (long value : micros) {
            String bytes = lines.start(AT).millis("duration_ms", value).toString();
            String logged = new LoggedLine(false).millis("duration_ms", value).toString();
            assertThat(bytes).isEqualTo("09:05:07.042 INFO  [sl.access] " + logged);
        }
        for (long value : numbers) {
            assertThat(lines.start(AT).number("bytes_in", value).toString())
                    .isEqualTo("09:05:07.042 INFO  [sl.access] bytes_in=" + value);
        }
        assertThat(new LoggedLine(false).millis("d", 12_034).millis("u", 7).millis("z", -3).toString())
                .isEqualTo("d=12.034 u=0.007 z=0.000");
    }

    @Test
    void valuesOutsideAsciiAreWrittenAsUtf8() {
        AccessLines lines = new AccessLines(ZoneId.of("UTC"));
        byte[] line = lines.start(AT).text("account", "équipe-北京").text("model", "m😀").bytes();
        assertThat(new String(line, StandardCharsets.UTF_8))
                .isEqualTo("09:05:07.042 INFO  [sl.access] account=équipe-北京 model=m😀");
    }

    @Test
    void aValueThatWouldForgePairsIsQuoted() {
        AccessLines lines = new AccessLines(ZoneId.of("UTC"));
        String forged = "client_x status=200 account=admin";
        String line = new String(lines.start(AT).text("request_id", forged).number("status", 401).bytes(),
                StandardCharsets.UTF_8);
        assertThat(line).isEqualTo("09:05:07.042 INFO  [sl.access] request_id=\"client_x status=200 account=admin\" "
                + "status=401");
        assertThat(lines.start(AT).text("model", "a\"b\\c\nd\u0001é").toString())
                .isEqualTo("09:05:07.042 INFO  [sl.access] model=\"a\\\"b\\\\c\\nd\\u0001é\"");
        assertThat(lines.start(AT).text("path", "/v1/x=1").toString())
                .isEqualTo("09:05:07.042 INFO  [sl.access] path=\"/v1/x=1\"");
        // the logging system's line says the same
        assertThat(new LoggedLine(false).text("request_id", forged).number("status", 401).toString())
                .isEqualTo("request_id=\"client_x status=200 account=admin\" status=401");
    }

    @Test
    void aLineLongerThanTheBufferIsWrittenWholeAndTheBufferIsReusedEmpty() {
        AccessLines lines = new AccessLines(ZoneId.of("UTC"));
        String path = "/" + "p".repeat(5_000);
        assertThat(lines.start(AT).text("path", path).toString()).endsWith(" path=" + path);
        assertThat(lines.start(AT).text("path", "/v1").toString()).isEqualTo("09:05:07.042 INFO  [sl.access] path=/v1");
    }

    @Test
    void theTimeIsLocalInAnyZoneAndAcrossAChangeOfOffset() {
        DateTimeFormatter format = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
        for (String zone : new String[] {"Asia/Kolkata", "America/St_Johns", "Europe/Berlin", "Pacific/Chatham"}) {
            ZoneId id = ZoneId.of(zone);
            AccessLines lines = new AccessLines(id);
            // every 7 minutes and 13.5 seconds across a day in which Berlin and St. John's change their offset
            long from = ZonedDateTime.of(2026, 3, 29, 0, 0, 0, 0, ZoneId.of("UTC")).toInstant().toEpochMilli();
            for (long at = from; at < from + 86_400_000L; at += 433_500) {
                String expected = format.format(java.time.Instant.ofEpochMilli(at).atZone(id));
                assertThat(lines.start(at).text("status", "200").toString())
                        .isEqualTo(expected + " INFO  [sl.access] status=200");
            }
        }
    }
}
