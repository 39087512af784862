package dev.sluice.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * Free ports chosen once per test JVM and remembered in system properties, so that a test profile (which writes the
 * proxy's configuration) and the test class (which starts the backend) agree on them even when they are loaded by
 * different class loaders.
 */
public final class TestPorts {

    private TestPorts() {
    }

    public static synchronized int of(String name) {
        String key = "test-backend-port." + name;
        String known = System.getProperty(key);
        if (known != null) {
            return Integer.parseInt(known);
        }
        int port = free();
        System.setProperty(key, Integer.toString(port));
        return port;
    }

    public static String url(String name) {
        return "http://127.0.0.1:" + of(name);
    }

    /** Sockets that hold the {@link #refused()} ports for the JVM's life. */
    private static final List<Socket> REFUSING = new ArrayList<>();

    /**
     * A port where every connection is refused, for as long as the test JVM runs: a socket bound to it and never
     * listening holds it. A port from {@link #free()} is given back at once, and a test backend started later may be
     * given the same one (CI saw an "unreachable" backend answer 200).
     */
    public static synchronized int refused() {
        try {
            Socket holder = new Socket();
            holder.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            REFUSING.add(holder);
            return holder.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A loopback port nothing listens on, below the kernel's ephemeral range. A port from that range (what
     * {@code new ServerSocket(0)} gives) can be taken before the server meant for it binds it: as the local port of
     * any outgoing connection, or by a client that keeps dialling it while nothing listens and connects to itself (TCP
     * self-connect). CI saw a sentinel fail to start on such a port while the proxy under test was already dialling
     * it.
     */
    public static int free() {
        for (int attempt = 0; attempt < 1_000; attempt++) {
            int port = BELOW_EPHEMERAL_FIRST + RANDOM.nextInt(BELOW_EPHEMERAL_COUNT);
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                return port;
            } catch (IOException taken) {
                // another one
            }
        }
        throw new IllegalStateException("no free port between " + BELOW_EPHEMERAL_FIRST + " and "
                + (BELOW_EPHEMERAL_FIRST + BELOW_EPHEMERAL_COUNT - 1));
    }

    /** Ports 10000 up to the first ephemeral port (32768 unless the kernel says otherwise). */
    private static final int BELOW_EPHEMERAL_FIRST = 10_000;
    private static final int BELOW_EPHEMERAL_COUNT = firstEphemeralPort() - BELOW_EPHEMERAL_FIRST;
    private static final java.util.Random RANDOM = new java.security.SecureRandom();

    /** The first port of the kernel's ephemeral range (32768 unless it says otherwise). */
    public static int firstEphemeral() {
        return BELOW_EPHEMERAL_FIRST + BELOW_EPHEMERAL_COUNT;
    }

    private static int firstEphemeralPort() {
        try {
            String range = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/net/ipv4/ip_local_port_range"));
            int first = Integer.parseInt(range.trim().split("\\s+")[0]);
            return first > BELOW_EPHEMERAL_FIRST + 1_000 ? first : 32_768;
        } catch (IOException | RuntimeException notLinux) {
            return 32_768;
        }
    }
}
