package dev.sluice.accesslog;

import java.time.Instant;
import java.time.ZoneId;

/**
 * Writes the local time of day as {@code HH:mm:ss.SSS}, the console log's time stamp, without a formatter: the
 * zone's offset is looked up once a minute (a change of offset, summer time, is seen within a minute).
 */
final class TimeOfDay {

    /** {@code HH:mm:ss.SSS} */
    static final int LENGTH = 12;

    private record Offset(long millis, long validUntil) {
    }

    private final ZoneId zone;
    private volatile Offset offset = new Offset(0, Long.MIN_VALUE);

    TimeOfDay(ZoneId zone) {
        this.zone = zone;
    }

    /** Writes the time of day at {@code into[at]}, {@value #LENGTH} bytes; returns the position after it. */
    int write(byte[] into, int at, long epochMillis) {
        Offset current = offset;
        if (epochMillis >= current.validUntil() || epochMillis < current.validUntil() - 60_000) {
            long seconds = zone.getRules().getOffset(Instant.ofEpochMilli(epochMillis)).getTotalSeconds();
            current = new Offset(seconds * 1000, epochMillis - Math.floorMod(epochMillis, 60_000L) + 60_000);
            offset = current;
        }
        long ofDay = Math.floorMod(epochMillis + current.millis(), 86_400_000L);
        two(into, at, (int) (ofDay / 3_600_000));
        into[at + 2] = ':';
        two(into, at + 3, (int) (ofDay / 60_000 % 60));
        into[at + 5] = ':';
        two(into, at + 6, (int) (ofDay / 1000 % 60));
        into[at + 8] = '.';
        int millis = (int) (ofDay % 1000);
        into[at + 9] = (byte) ('0' + millis / 100);
        two(into, at + 10, millis % 100);
        return at + LENGTH;
    }

    private static void two(byte[] into, int at, int value) {
        into[at] = (byte) ('0' + value / 10);
        into[at + 1] = (byte) ('0' + value % 10);
    }
}
