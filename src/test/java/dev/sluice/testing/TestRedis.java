package dev.sluice.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Redis server process for tests, on a loopback port: {@code redis-server} from the PATH when there is one,
 * else the static Redis 7 binary that the {@code org.signal:embedded-redis} test artifact ships. Can be killed and
 * started again on the same port, to test what the proxy does while Redis is away.
 */
public final class TestRedis implements AutoCloseable {

    private final int port;
    private Process process;
    /** The running server's working directory, removed when it is killed. */
    private Path dir;

    private TestRedis(int port) {
        this.port = port;
    }

    /** Starts Redis on a free port. */
    public static TestRedis start() {
        TestRedis redis = new TestRedis(TestPorts.free());
        redis.startProcess();
        return redis;
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public synchronized void startProcess() {
        if (process != null && process.isAlive()) {
            return;
        }
        try {
            // a directory of its own for each start: a server made a replica writes the primary's data there as
            // dump.rdb, which any server started later in the same directory would load
            dir = Files.createTempDirectory("sluice-redis");
            List<String> command = new ArrayList<>(List.of(binary().toString(), "--port", Integer.toString(port),
                    "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no",
                    "--dir", dir.toString()));
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
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

    /** Kills the server at once (SIGKILL), as a crash or a network cut would look. */
    public synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
        if (dir != null) {
            try (var files = Files.list(dir)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    Files.deleteIfExists(file);
                }
                Files.deleteIfExists(dir);
            } catch (IOException leftInTmp) {
                // a temporary directory: left for the system to clean
            }
            dir = null;
        }
    }

    /** Freezes the server (SIGSTOP): it accepts connections and answers nothing, like a hung Redis. */
    public void freeze() {
        signal("STOP");
    }

    /** Lets a frozen server run again (SIGCONT); nothing to do when it was killed. */
    public void thaw() {
        if (process != null) {
            signal("CONT");
        }
    }

    private void signal(String name) {
        try {
            new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public RespClient client() {
        return new RespClient("127.0.0.1", port);
    }

    public void flushAll() {
        try (RespClient client = client()) {
            client.command("FLUSHALL");
        }
    }

    @Override
    public void close() {
        kill();
    }

    /** {@code redis-server} from the PATH, else the static binary of embedded-redis (also started as a sentinel). */
    static Path binary() throws IOException {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "redis-server");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        String arch = System.getProperty("os.arch").contains("aarch64") ? "arm64" : "amd64";
        String os = System.getProperty("os.name").toLowerCase().contains("mac") ? "darwin" : "linux";
        String resource = "/redis-server-7.0.15-" + os + "-" + arch;
        Path target = Path.of(System.getProperty("java.io.tmpdir"), "sluice-test" + resource);
        if (!Files.isExecutable(target)) {
            Files.createDirectories(target.getParent());
            try (InputStream in = TestRedis.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("no redis-server on the PATH and no " + resource + " in embedded-redis");
                }
                Path temp = Files.createTempFile(target.getParent(), "redis-server", ".tmp");
                Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
                temp.toFile().setExecutable(true);
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        }
        return target;
    }
}
