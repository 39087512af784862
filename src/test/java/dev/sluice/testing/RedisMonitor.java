package dev.sluice.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code MONITOR} on one Redis server: every command its clients send, in order, as the server saw them. Commands
 * that scripts run inside Redis ({@code [0 lua]}) are not counted: they cost no round trip; nor are those of the
 * sentinels' and replicas' own connections that were open when monitoring started (their pings, hellos and acks).
 */
public final class RedisMonitor implements AutoCloseable {

    private static final Pattern LINE = Pattern.compile("^(\\S+) \\[\\d+ ([^\\]]+)\\] \"([^\"]*)\"(?: \"([^\"]*)\")?");

    private final RespClient client;
    private final List<String> commands = new ArrayList<>();
    private final List<Double> times = new ArrayList<>();
    private final java.util.Set<String> ignored = new java.util.HashSet<>();
    private final Thread reader;
    private volatile boolean closed;

    private RedisMonitor(RespClient client) {
        this.client = client;
        for (String line : String.valueOf(client.command("CLIENT", "LIST")).split("\n")) {
            Matcher address = Pattern.compile("addr=(\\S+)").matcher(line);
            boolean infrastructure = line.contains(" name=sentinel-") || Pattern.compile(" flags=\\S*[SM]").matcher(line).find();
            if (infrastructure && address.find()) {
                ignored.add(address.group(1));
            }
        }
        client.command("MONITOR");
        reader = new Thread(this::read, "redis-monitor");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts monitoring; the commands sent from now on are recorded. */
    public static RedisMonitor of(RespClient client) {
        return new RedisMonitor(client);
    }

    private void read() {
        while (!closed) {
            Object line;
            try {
                line = client.next();
            } catch (RuntimeException closedUnderUs) {
                return;
            }
            Matcher matcher = LINE.matcher(String.valueOf(line));
            if (matcher.find() && !matcher.group(2).equals("lua") && !ignored.contains(matcher.group(2))) {
                String command = matcher.group(3).toLowerCase(Locale.ROOT);
                if (matcher.group(4) != null && (command.equals("cluster") || command.equals("sentinel")
                        || command.equals("client") || command.equals("config") || command.equals("script"))) {
                    command += " " + matcher.group(4).toLowerCase(Locale.ROOT);
                }
                synchronized (commands) {
                    commands.add(command);
                    times.add(Double.parseDouble(matcher.group(1)));
                }
            }
        }
    }

    /**
     * The commands recorded so far, names in lower case (with the subcommand for {@code cluster}, {@code sentinel},
     * {@code client}, {@code config} and {@code script}), after a pause that lets the last ones arrive.
     */
    public List<String> commands() {
        try {
            TimeUnit.MILLISECONDS.sleep(150);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (commands) {
            return List.copyOf(commands);
        }
    }

    /** When Redis ran each recorded command (seconds since the epoch, its own clock), in the order of {@link #commands}. */
    public List<Double> times() {
        synchronized (commands) {
            return List.copyOf(times);
        }
    }

    @Override
    public void close() {
        closed = true;
        client.close();
    }
}
