package dev.sluice.accesslog;

import java.time.Instant;
import java.time.ZoneId;

/**
 * Appends the local time of day as {@code HH:mm:ss.SSS}, the console log's time stamp, without a formatter: the
 * zone's offset is looked up once a minute (a change of offset, summer time, is seen within a minute).
 */
final class TimeOfDay {

    private record Offset(long millis, long validUntil) {
    }

    private final ZoneId zone;
    private volatile Offset offset = new Offset(0, Long.MIN_VALUE);

    TimeOfDay(ZoneId zone) {
        this.zone = zone;
    }

    void append(StringBuilder text, long epochMillis) {
        Offset current = offset;
        if (epochMillis >= current.validUntil() || epochMillis < current.validUntil() - 60_000) {
            long seconds = zone.getRules().getOffset(Instant.ofEpochMilli(epochMillis)).getTotalSeconds();
            current = new Offset(seconds * 1000, epochMillis - Math.floorMod(epochMillis, 60_000L) + 60_000);
            offset = current;
        }
        long ofDay = Math.floorMod(epochMillis + current.millis(), 86_400_000L);
        two(text, (int) (ofDay / 3_600_000)).append(':');
        two(text, (int) (ofDay / 60_000 % 60)).append(':');
        two(text, (int) (ofDay / 1000 % 60)).append('.');
        int millis = (int) (ofDay % 1000);
        text.append((char) ('0' + millis / 100)).append((char) ('0' + millis / 10 % 10)).append((char) ('0' + millis % 10));
    }

    private static StringBuilder two(StringBuilder text, int value) {
        return text.append((char) ('0' + value / 10)).append((char) ('0' + value % 10));
    }
}
