package dev.sluice.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

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

    public static int free() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
