package dev.sluice.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Redis' MONITOR for a test: every command any client sends while it runs, as Redis saw them (commands a script runs
 * inside it included, as they are with MONITOR on Redis 7).
 */
public final class RedisCommandLog implements AutoCloseable {

    private static final Pattern COMMAND = Pattern.compile("^\\+[0-9.]+ \\[[^\\]]*\\] \"([^\"]+)\"(.*)$");

    private final Socket socket;
    private final Thread reader;
    private final List<String> commands = new ArrayList<>();

    private RedisCommandLog(Socket socket) {
        this.socket = socket;
        this.reader = new Thread(this::read, "redis-monitor");
    }

    public static RedisCommandLog start(TestRedis redis) {
        try {
            Socket socket = new Socket("127.0.0.1", redis.port());
            socket.getOutputStream().write("MONITOR\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            RedisCommandLog monitor = new RedisCommandLog(socket);
            monitor.reader.setDaemon(true);
            monitor.reader.start();
            Thread.sleep(50);
            return monitor;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                Matcher command = COMMAND.matcher(line);
                if (command.matches()) {
                    synchronized (commands) {
                        commands.add(command.group(1).toUpperCase(Locale.ROOT) + command.group(2));
                    }
                }
            }
        } catch (IOException closed) {
            // stopped
        }
    }

    /** Every command seen so far: the name in capitals, then its arguments as MONITOR quotes them. */
    public List<String> commands() {
        synchronized (commands) {
            return List.copyOf(commands);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a test connection
        }
    }
}
