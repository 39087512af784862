package dev.sluice.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Test;

class AccessLinesTest {

    static final String[] NAMES = {"request_id", "status", "stream"};
    static final String[] VALUES = {"req_62f62f795dc4", "200", "false"};

    @Test
    void aLineLooksLikeTheConsoleLogsLines() {
        long at = ZonedDateTime.of(2026, 11, 30, 9, 5, 7, 42_000_000, ZoneId.of("UTC")).toInstant().toEpochMilli();
        assertThat(new AccessLines(ZoneId.of("UTC")).line(NAMES, VALUES, at))
                .isEqualTo("09:05:07.042 INFO  [sl.access] request_id=req_62f62f795dc4 status=200 stream=false");
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
                assertThat(lines.line(NAMES, VALUES, at)).startsWith(expected + " INFO  [sl.access] ");
            }
        }
    }
}
