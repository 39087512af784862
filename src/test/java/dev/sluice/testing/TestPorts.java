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

    public static int free() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
