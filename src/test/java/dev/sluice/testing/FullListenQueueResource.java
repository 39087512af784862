package dev.sluice.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile.TestResourceEntry;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Backends whose listen queue is full and never read, started before the proxy: the kernel drops the SYNs sent to
 * them, so a connect hangs until its timeout, as it does when a burst of new connections overflows a backend's queue.
 * The proxy's configuration names one as {@code ${test.full-queue.<name>}} ({@link #url}).
 */
public class FullListenQueueResource implements QuarkusTestResourceLifecycleManager {

    private static final String NAMES = "names";

    private List<String> names;
    private final List<Closeable> open = new ArrayList<>();

    public static TestResourceEntry of(String... names) {
        return new TestResourceEntry(FullListenQueueResource.class, Map.of(NAMES, String.join(",", names)));
    }

    public static String url(String name) {
        return "${test.full-queue." + name + "}";
    }

    @Override
    public void init(Map<String, String> initArgs) {
        names = Arrays.asList(initArgs.get(NAMES).split(","));
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>();
        for (String name : names) {
            config.put("test.full-queue." + name, "http://127.0.0.1:" + open(open));
        }
        return config;
    }

    /**
     * Opens a loopback port whose listen queue is full and never read; what to close afterwards goes to {@code open}.
     *
     * @return the port
     */
    public static int open(List<Closeable> open) {
        try {
            ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            open.add(listener);
            // Linux queues backlog + 1 connections: two fill a backlog of one
            for (int i = 0; i < 2; i++) {
                open.add(new Socket(listener.getInetAddress(), listener.getLocalPort()));
            }
            return listener.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        for (Closeable closeable : open) {
            try {
                closeable.close();
            } catch (IOException ignored) {
                // closing a test's sockets
            }
        }
    }
}
