package dev.sluice.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One Sluice instance as users run it: the packaged jar in its own process, with a config file, a proxy port and a
 * management port (health and metrics).
 */
public final class SluiceProcess implements AutoCloseable {

    private final Process process;
    private final int port;
    private final int managementPort;
    private final Path log;

    private SluiceProcess(Process process, int port, int managementPort, Path log) {
        this.process = process;
        this.port = port;
        this.managementPort = managementPort;
        this.log = log;
    }

    /**
     * Starts the jar (system property {@code sluice.jar}) with {@code config} as its SLUICE_CONFIG, or with no
     * configuration at all when it is null (the demo mode); waits for ready.
     */
    public static SluiceProcess start(String name, String yamlConfig, Map<String, String> env) {
        try {
            Path dir = Files.createTempDirectory("sluice-" + name);
            Path log = dir.resolve("out.log");
            int port = TestPorts.free();
            int managementPort = TestPorts.free();
            String java = ProcessHandle.current().info().command().orElse("java");
            ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-jar", System.getProperty("sluice.jar"))
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            if (yamlConfig == null) {
                builder.environment().remove("SLUICE_CONFIG");
            } else {
                Path config = Files.writeString(dir.resolve("sluice.yaml"), yamlConfig);
                builder.environment().put("SLUICE_CONFIG", config.toString());
            }
            builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
            builder.environment().put("QUARKUS_MANAGEMENT_PORT", Integer.toString(managementPort));
            builder.environment().put("QUARKUS_MANAGEMENT_HOST", "127.0.0.1");
            builder.environment().putAll(env);
            SluiceProcess instance = new SluiceProcess(builder.start(), port, managementPort, log);
            instance.awaitReady();
            return instance;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int managementPort() {
        return managementPort;
    }

    public int port() {
        return port;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    /** A URL on the management interface, where /q/health and /q/metrics are served. */
    public String managementUrl(String path) {
        return "http://127.0.0.1:" + managementPort + path;
    }

    private void awaitReady() {
        HttpClient client = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Sluice exited at start-up: " + logText());
            }
            try {
                HttpResponse<String> ready = client.send(HttpRequest.newBuilder(URI.create(managementUrl("/q/health/ready")))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (ready.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        throw new IllegalStateException("Sluice was not ready within 60 s: " + logText());
    }

    public String logText() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    /** Sends SIGTERM, as Kubernetes does, without waiting. */
    public void terminate() {
        process.destroy();
    }

    /** Waits for the process to exit; true when it did within {@code seconds}. */
    public boolean awaitExit(long seconds) throws InterruptedException {
        return process.waitFor(seconds, TimeUnit.SECONDS);
    }

    /** Kills the instance at once (SIGKILL): no shutdown hook, no release of anything it holds. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
