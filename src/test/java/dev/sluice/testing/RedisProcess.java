package dev.sluice.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One {@code redis-server} process on a loopback port (a cluster node, a primary, a replica or a sentinel), started
 * from the same binary as {@link TestRedis} with the arguments its set-up gives. Can be killed (SIGKILL) and started
 * again on the same port with the same arguments, which is how a crashed node comes back.
 */
final class RedisProcess {

    private final int port;
    private final List<String> arguments;
    private final Path log;
    private Process process;

    RedisProcess(int port, Path log, List<String> arguments) {
        this.port = port;
        this.log = log;
        this.arguments = List.copyOf(arguments);
    }

    int port() {
        return port;
    }

    synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        try {
            List<String> command = new ArrayList<>();
            command.add(TestRedis.binary().toString());
            command.addAll(arguments);
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            int portBusyAttempts = 0;
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    if (portBusyAttempts++ < 10 && logSays("Address already in use")) {
                        // held for a moment by another process's connection: try again shortly
                        TimeUnit.MILLISECONDS.sleep(300);
                        process = new ProcessBuilder(command).redirectErrorStream(true)
                                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
                        continue;
                    }
                    throw new IllegalStateException("redis-server on " + port + " exited; see " + log + ": "
                            + lastLines());
                }
                try (Socket socket = new Socket("127.0.0.1", port)) {
                    return;
                } catch (IOException notYet) {
                    TimeUnit.MILLISECONDS.sleep(10);
                }
            }
            throw new IllegalStateException("redis-server did not listen on " + port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private boolean logSays(String text) {
        return lastLines().contains(text);
    }

    /** The log's last lines, for the failure message (CI keeps the report, not the temporary directory). */
    private String lastLines() {
        try {
            List<String> lines = java.nio.file.Files.readAllLines(log);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        } catch (IOException | RuntimeException unreadable) {
            return "(log unreadable)";
        }
    }

    /** SIGKILL: a crash, nothing flushed that was not already written. */
    synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    synchronized boolean alive() {
        return process != null && process.isAlive();
    }

    RespClient client() {
        return new RespClient("127.0.0.1", port);
    }

    /**
     * A free loopback port whose cluster bus port ({@code port + 10000}) is free too, both below the kernel's ephemeral
     * range: a bus port inside it could be taken by any outgoing connection before the node binds it (CI saw a node
     * exit on "Could not create server TCP listening socket" for a bus port in the 39000s).
     */
    static int freePortWithBus() {
        for (int attempt = 0; attempt < 1_000; attempt++) {
            int port = TestPorts.free();
            if (port + 10_000 >= TestPorts.firstEphemeral()) {
                continue;
            }
            try (ServerSocket bus = new ServerSocket(port + 10_000)) {
                bus.setReuseAddress(true);
                return port;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IllegalStateException("no free port with a free cluster bus port");
    }
}
