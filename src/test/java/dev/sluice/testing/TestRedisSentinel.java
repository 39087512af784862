package dev.sluice.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Sentinel set-up on free loopback ports: a primary, one replica and three sentinels (quorum 2) watching the
 * primary as {@value #MASTER_NAME}, with a one-second down-after so that a lost primary is replaced in a few seconds.
 */
public final class TestRedisSentinel implements AutoCloseable {

    public static final String MASTER_NAME = "sluice-primary";
    public static final int DOWN_AFTER_MILLIS = 1_000;

    private final Path dir;
    private final List<RedisProcess> servers = new ArrayList<>();
    private final List<RedisProcess> sentinels = new ArrayList<>();

    private TestRedisSentinel(Path dir) {
        this.dir = dir;
    }

    /** Three sentinels on free ports. */
    public static TestRedisSentinel start() {
        return start(List.of(TestPorts.free(), TestPorts.free(), TestPorts.free()));
    }

    /** Three sentinels on these ports (the primary and the replica on free ones). */
    public static TestRedisSentinel start(List<Integer> sentinelPorts) {
        try {
            TestRedisSentinel setUp = new TestRedisSentinel(Files.createTempDirectory("sluice-sentinel"));
            try {
                setUp.create(sentinelPorts);
            } catch (RuntimeException e) {
                setUp.close();
                throw e;
            }
            return setUp;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Three sentinel ports chosen once per test JVM under {@code name} (see {@link TestPorts}). */
    public static List<Integer> ports(String name) {
        return List.of(TestPorts.of(name + "-0"), TestPorts.of(name + "-1"), TestPorts.of(name + "-2"));
    }

    /** The sentinels on these ports, for {@code quarkus.redis.hosts}. */
    public static String hosts(List<Integer> sentinelPorts) {
        return sentinelPorts.stream().map(port -> "redis://127.0.0.1:" + port).collect(Collectors.joining(","));
    }

    private void create(List<Integer> sentinelPorts) throws IOException {
        RedisProcess primary = server(List.of());
        RedisProcess replica = server(List.of("--replicaof", "127.0.0.1", Integer.toString(primary.port())));
        awaitReplicaInSync(replica, 10_000);
        for (int port : sentinelPorts) {
            Path sentinelDir = Files.createDirectories(dir.resolve("sentinel-" + port));
            Path conf = sentinelDir.resolve("sentinel.conf");
            Files.writeString(conf, String.join("\n",
                    "port " + port,
                    "bind 127.0.0.1",
                    "protected-mode no",
                    "dir " + sentinelDir,
                    "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + primary.port() + " 2",
                    "sentinel down-after-milliseconds " + MASTER_NAME + " " + DOWN_AFTER_MILLIS,
                    "sentinel failover-timeout " + MASTER_NAME + " 4000",
                    "sentinel parallel-syncs " + MASTER_NAME + " 1",
                    ""));
            RedisProcess sentinel = new RedisProcess(port, sentinelDir.resolve("sentinel.log"),
                    List.of(conf.toString(), "--sentinel"));
            sentinel.start();
            sentinels.add(sentinel);
            try (RespClient client = sentinel.client()) {
                // Redis 7's SENTINEL DEBUG: replicas' INFO every second rather than ten, hellos every half second
                // rather than two (sentinels find each other sooner, and an old primary that still says it is one is
                // made a replica after four hello periods, not eight seconds)
                client.command("SENTINEL", "DEBUG", "INFO-PERIOD", "1000", "PUBLISH-PERIOD", "500");
            }
        }
        awaitSentinelsAgree(primary.port(), 20_000);
    }

    private RedisProcess server(List<String> extra) throws IOException {
        int port = TestPorts.free();
        Path serverDir = Files.createDirectories(dir.resolve("redis-" + port));
        List<String> arguments = new ArrayList<>(List.of("--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--protected-mode", "no", "--dir", serverDir.toString(), "--save", "", "--appendonly", "no",
                "--repl-diskless-sync-delay", "0"));
        arguments.addAll(extra);
        RedisProcess server = new RedisProcess(port, serverDir.resolve("redis.log"), arguments);
        server.start();
        servers.add(server);
        return server;
    }

    /**
     * Sets every sentinel's hello period (Redis 7's {@code SENTINEL DEBUG PUBLISH-PERIOD}; 500 ms in this set-up, 2 s in
     * Redis' default): an old primary that still says it is one is made a replica after four of them, and sentinels
     * learn a new configuration from each other at that pace.
     */
    public void publishPeriod(int millis) {
        for (RedisProcess sentinel : sentinels) {
            if (sentinel.alive()) {
                try (RespClient client = sentinel.client()) {
                    client.command("SENTINEL", "DEBUG", "PUBLISH-PERIOD", Integer.toString(millis));
                }
            }
        }
    }

    /** The sentinels, for {@code quarkus.redis.hosts}. */
    public String hosts() {
        return hosts(sentinels.stream().map(RedisProcess::port).toList());
    }

    /** The primary's port, as the first sentinel that answers sees it. */
    public int primaryPort() {
        for (RedisProcess sentinel : sentinels) {
            try (RespClient client = sentinel.client()) {
                List<?> address = (List<?>) client.command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
                return Integer.parseInt(address.get(1).toString());
            } catch (RuntimeException notAnswering) {
                // next sentinel
            }
        }
        throw new IllegalStateException("no sentinel answers");
    }

    /** A client of the server (primary or replica) on {@code port}. */
    public RespClient client(int port) {
        return server(port).client();
    }

    /** Kills the primary (SIGKILL) once its replica has every write; answers the killed primary's port. */
    public int killPrimary() {
        int port = primaryPort();
        RedisProcess replica = servers.stream().filter(server -> server.port() != port && server.alive()).findFirst()
                .orElseThrow();
        awaitReplicaInSync(replica, 20_000);
        server(port).kill();
        return port;
    }

    /** Starts a killed server again on its port; the sentinels make it a replica of the current primary. */
    public void restart(int port) {
        server(port).start();
    }

    /**
     * Asks the sentinels for a failover while the primary is healthy ({@code SENTINEL FAILOVER}); the old primary
     * becomes a replica. Answers the old primary's port.
     */
    public int forceFailover() {
        int port = primaryPort();
        RedisProcess replica = servers.stream().filter(server -> server.port() != port && server.alive()).findFirst()
                .orElseThrow();
        awaitReplicaInSync(replica, 20_000);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try (RespClient client = sentinels.get(0).client()) {
                client.command("SENTINEL", "FAILOVER", MASTER_NAME);
                return port;
            } catch (IllegalStateException notYet) {
                // NOGOODSLAVE until the sentinels saw the replica healthy again, INPROG while a failover runs
                if (System.nanoTime() > deadline) {
                    throw notYet;
                }
                sleep(100);
            }
        }
    }

    /**
     * Seconds since any sentinel last received a command from a client other than the sentinels themselves (the
     * topology look-ups of the client under test, its failover subscription); {@link Long#MAX_VALUE} when none is
     * connected.
     */
    public long secondsSinceTheLastClientCommand() {
        long idle = Long.MAX_VALUE;
        for (RedisProcess sentinel : sentinels) {
            try (RespClient client = sentinel.client()) {
                for (String line : String.valueOf(client.command("CLIENT", "LIST")).split("\n")) {
                    if (line.contains(" name=sentinel-") || line.contains(" cmd=client|list")) {
                        continue;
                    }
                    java.util.regex.Matcher seconds = java.util.regex.Pattern.compile(" idle=(\\d+)").matcher(line);
                    if (seconds.find()) {
                        idle = Math.min(idle, Long.parseLong(seconds.group(1)));
                    }
                }
            }
        }
        return idle;
    }

    /**
     * Waits until the sentinels have switched to a new primary after a failover away from {@code oldPort}: every live
     * sentinel names the same new primary and that server says it is a master. (An old primary that is still up takes
     * writes until the sentinels demote it, about a second later, and its demotion throws them away.) Answers the new
     * primary's port.
     */
    public int awaitNewPrimary(int oldPort, long maxMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMillis);
        while (System.nanoTime() < deadline) {
            int port = agreedPrimary();
            if (port > 0 && port != oldPort && role(port).equals("master")) {
                return port;
            }
            sleep(20);
        }
        throw new IllegalStateException("no failover away from " + oldPort + " within " + maxMillis + " ms");
    }

    private String role(int port) {
        try (RespClient client = server(port).client()) {
            String info = (String) client.command("INFO", "replication");
            return info.lines().filter(line -> line.startsWith("role:")).findFirst().map(line -> line.substring(5).trim())
                    .orElse("");
        } catch (RuntimeException notAnswering) {
            return "";
        }
    }

    /** The primary every live sentinel names, or -1 while they disagree. */
    private int agreedPrimary() {
        int agreed = -1;
        for (RedisProcess sentinel : sentinels) {
            if (!sentinel.alive()) {
                continue;
            }
            try (RespClient client = sentinel.client()) {
                List<?> address = (List<?>) client.command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
                int port = Integer.parseInt(address.get(1).toString());
                if (agreed != -1 && agreed != port) {
                    return -1;
                }
                agreed = port;
            } catch (RuntimeException notAnswering) {
                return -1;
            }
        }
        return agreed;
    }

    private void awaitSentinelsAgree(int primaryPort, long maxMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMillis);
        while (System.nanoTime() < deadline) {
            if (sentinels.stream().allMatch(sentinel -> knowsEverything(sentinel, primaryPort))) {
                return;
            }
            sleep(50);
        }
        throw new IllegalStateException("the sentinels did not discover each other and the replica in time");
    }

    private static boolean knowsEverything(RedisProcess sentinel, int primaryPort) {
        try (RespClient client = sentinel.client()) {
            List<?> address = (List<?>) client.command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
            return Integer.parseInt(address.get(1).toString()) == primaryPort
                    && ((List<?>) client.command("SENTINEL", "REPLICAS", MASTER_NAME)).size() == 1
                    && ((List<?>) client.command("SENTINEL", "SENTINELS", MASTER_NAME)).size() == 2;
        }
    }

    private static void awaitReplicaInSync(RedisProcess replica, long maxMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMillis);
        while (System.nanoTime() < deadline) {
            try (RespClient client = replica.client()) {
                String info = (String) client.command("INFO", "replication");
                if (info.contains("role:slave") && info.contains("master_link_status:up")) {
                    long replicaOffset = field(info, "slave_repl_offset");
                    int primary = (int) field(info, "master_port");
                    try (RespClient primaryClient = new RespClient("127.0.0.1", primary)) {
                        long primaryOffset = field((String) primaryClient.command("INFO", "replication"),
                                "master_repl_offset");
                        if (replicaOffset >= primaryOffset) {
                            return;
                        }
                    }
                }
            } catch (RuntimeException reconfigured) {
                // the sentinels kill normal clients of a server they reconfigure: ask again
            }
            sleep(20);
        }
        String state;
        try (RespClient client = replica.client()) {
            state = ((String) client.command("INFO", "replication")).replace("\r\n", " ");
        }
        throw new IllegalStateException("replica on " + replica.port() + " not in sync within " + maxMillis + " ms: "
                + state);
    }

    private static long field(String info, String name) {
        return info.lines().filter(line -> line.startsWith(name + ":")).findFirst()
                .map(line -> Long.parseLong(line.substring(name.length() + 1).trim()))
                .orElseThrow(() -> new IllegalStateException("no " + name + " in INFO"));
    }

    private RedisProcess server(int port) {
        return servers.stream().filter(server -> server.port() == port).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no server on " + port));
    }

    private static void sleep(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        sentinels.forEach(RedisProcess::kill);
        servers.forEach(RedisProcess::kill);
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory
        }
    }
}
