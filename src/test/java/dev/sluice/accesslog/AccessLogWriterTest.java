package dev.sluice.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AccessLogWriterTest {

    static byte[] bytes(String line) {
        return line.getBytes(StandardCharsets.UTF_8);
    }

    /** Records every write call, so that a test sees how lines were cut into writes. */
    static final class RecordingOutput extends OutputStream {
        final ByteArrayOutputStream all = new ByteArrayOutputStream();
        final List<Integer> writes = new ArrayList<>();
        final CountDownLatch open;

        RecordingOutput(CountDownLatch open) {
            this.open = open;
        }

        @Override
        public synchronized void write(int b) {
            all.write(b);
            writes.add(1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            try {
                open.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            synchronized (this) {
                all.write(bytes, offset, length);
                writes.add(length);
            }
        }

        synchronized String text() {
            return all.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void everyLineOfManyThreadsIsWrittenOnceAndWholeInWritesOfWholeLines() throws Exception {
        RecordingOutput out = new RecordingOutput(new CountDownLatch(0));
        AccessLogWriter writer = new AccessLogWriter(out, 100_000);
        int threads = 4;
        int perThread = 5_000;
        List<Thread> producers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread producer = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    writer.offer(bytes("request_id=req_" + id + "_" + i + " path=/v1/chat/completions status=200 " + "x".repeat(i % 300)));
                }
            });
            producers.add(producer);
            producer.start();
        }
        for (Thread producer : producers) {
            producer.join();
        }
        writer.close();

        String[] lines = out.text().split("\n", -1);
        assertThat(lines[lines.length - 1]).isEmpty(); // the output ends with a line end
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < lines.length - 1; i++) {
            assertThat(lines[i]).matches("request_id=req_\\d_\\d+ path=/v1/chat/completions status=200 x*");
            assertThat(seen.add(lines[i].substring(0, lines[i].indexOf(' ')))).isTrue();
        }
        assertThat(seen).hasSize(threads * perThread);
        assertThat(writer.written()).isEqualTo(threads * perThread);
        assertThat(writer.dropped()).isZero();
        // writes carry many lines under load, and none is longer than a pipe writes atomically
        assertThat(out.writes).allMatch(length -> length <= AccessLogWriter.MAX_WRITE);
        assertThat(out.writes.size()).isLessThan(threads * perThread / 2);
    }

    @Test
    void aLineLongerThanOneWriteIsWrittenAloneAndWhole() throws Exception {
        RecordingOutput out = new RecordingOutput(new CountDownLatch(0));
        AccessLogWriter writer = new AccessLogWriter(out, 16);
        String longLine = "path=/" + "a".repeat(10_000);
        writer.offer(bytes("first"));
        writer.offer(bytes(longLine));
        writer.offer(bytes("last"));
        writer.close();
        assertThat(out.text()).isEqualTo("first\n" + longLine + "\nlast\n");
    }

    @Test
    void whenTheOutputStallsLinesBeyondTheQueueAreDroppedAndCountedAndTheRestAreWrittenOnceItMoves() throws Exception {
        CountDownLatch open = new CountDownLatch(1);
        RecordingOutput out = new RecordingOutput(open);
        AccessLogWriter writer = new AccessLogWriter(out, 100);
        int accepted = 0;
        for (int i = 0; i < 1_000; i++) {
            if (writer.offer(bytes("line " + i))) {
                accepted++;
            }
        }
        // the writer holds at most one batch while it is stuck in its write; the queue holds 100 more
        assertThat(accepted).isLessThan(1_000).isGreaterThanOrEqualTo(100);
        assertThat(writer.dropped()).isEqualTo(1_000 - accepted);
        open.countDown();
        writer.close();
        assertThat(out.text().split("\n")).hasSize(accepted);
        assertThat(writer.written()).isEqualTo(accepted);
    }

    @Test
    void anIdleWriterSleepsAndWakesForTheNextLine() throws Exception {
        RecordingOutput out = new RecordingOutput(new CountDownLatch(0));
        AccessLogWriter writer = new AccessLogWriter(out, 16);
        writer.offer(bytes("one"));
        Thread.sleep(200); // past the busy rounds: the writer now sleeps until woken
        writer.offer(bytes("two"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!out.text().equals("one\ntwo\n") && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(out.text()).isEqualTo("one\ntwo\n");
        writer.close();
    }

    @Test
    void afterALineTheWriterStopsWakingByItselfWithinAFewMilliseconds() throws Exception {
        // a proxy serving a few requests per second: the writer must not poll between them (each poll a wake-up)
        RecordingOutput out = new RecordingOutput(new CountDownLatch(0));
        AccessLogWriter writer = new AccessLogWriter(out, 16);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        // a writer that started with nothing to write makes its idle rounds too: count from when it sleeps
        while (writer.writerState() != Thread.State.WAITING && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        long before = writer.timedWaits();
        writer.offer(bytes("one"));
        while (writer.written() < 1 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        while (writer.writerState() != Thread.State.WAITING && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        // parked without a deadline (WAITING) after its few timed rounds, and it stays so
        assertThat(writer.writerState()).isEqualTo(Thread.State.WAITING);
        assertThat(writer.timedWaits() - before).isEqualTo(AccessLogWriter.IDLE_ROUNDS_BEFORE_SLEEP - 1);
        Thread.sleep(3 * AccessLogWriter.GATHER_MICROS / 1000);
        assertThat(writer.writerState()).isEqualTo(Thread.State.WAITING);
        assertThat(writer.timedWaits() - before).isEqualTo(AccessLogWriter.IDLE_ROUNDS_BEFORE_SLEEP - 1);
        writer.close();
    }
}
