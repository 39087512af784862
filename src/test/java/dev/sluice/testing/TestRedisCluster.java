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
 * A real Redis Cluster of three masters (no replicas) on free loopback ports, built over RESP the way
 * {@code redis-cli --cluster create} does it: config epochs, {@code CLUSTER ADDSLOTSRANGE}, {@code CLUSTER MEET}. Nodes
 * write an append-only file on every write, so a node killed and started again comes back with its counters, its
 * node id and its slots. {@code cluster-require-full-coverage} stays at Redis' default (yes): while a master is lost
 * the whole cluster refuses commands.
 */
public final class TestRedisCluster implements AutoCloseable {

    /** Short enough for a lost master to be noticed (and forgiven) in a couple of seconds. */
    public static final int NODE_TIMEOUT_MILLIS = 1_000;

    private final Path dir;
    private final List<RedisProcess> nodes = new ArrayList<>();

    private TestRedisCluster(Path dir) {
        this.dir = dir;
    }

    /** Three masters on free ports. */
    public static TestRedisCluster start() {
        return start(List.of(RedisProcess.freePortWithBus(), RedisProcess.freePortWithBus(), RedisProcess.freePortWithBus()));
    }

    /** Three masters on these ports (their cluster bus ports, {@code port + 10000}, must be free too). */
    public static TestRedisCluster start(List<Integer> ports) {
        try {
            TestRedisCluster cluster = new TestRedisCluster(Files.createTempDirectory("sluice-cluster"));
            try {
                cluster.create(ports);
            } catch (RuntimeException e) {
                cluster.close();
                throw e;
            }
            return cluster;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Three ports (with free bus ports) chosen once per test JVM under {@code name} and remembered in a system property,
     * so that a test profile and its test class agree on them (see {@link TestPorts}).
     */
    public static synchronized List<Integer> ports(String name) {
        String key = "test-redis-cluster." + name;
        String known = System.getProperty(key);
        if (known == null) {
            known = RedisProcess.freePortWithBus() + "," + RedisProcess.freePortWithBus() + ","
                    + RedisProcess.freePortWithBus();
            System.setProperty(key, known);
        }
        return java.util.Arrays.stream(known.split(",")).map(Integer::valueOf).toList();
    }

    /** The seed list for {@code quarkus.redis.hosts} of a cluster on these ports. */
    public static String hosts(List<Integer> ports) {
        return ports.stream().map(port -> "redis://127.0.0.1:" + port).collect(Collectors.joining(","));
    }

    private void create(List<Integer> ports) throws IOException {
        int masters = ports.size();
        for (int i = 0; i < masters; i++) {
            int port = ports.get(i);
            Path nodeDir = Files.createDirectories(dir.resolve(Integer.toString(port)));
            RedisProcess node = new RedisProcess(port, nodeDir.resolve("redis.log"), List.of("--port",
                    Integer.toString(port), "--bind", "127.0.0.1", "--protected-mode", "no", "--dir", nodeDir.toString(),
                    "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout",
                    Integer.toString(NODE_TIMEOUT_MILLIS), "--save", "", "--appendonly", "yes", "--appendfsync",
                    "always"));
            node.start();
            nodes.add(node);
        }
        int slotsPerNode = 16_384 / masters;
        for (int i = 0; i < masters; i++) {
            int first = i * slotsPerNode;
            int last = i == masters - 1 ? 16_383 : first + slotsPerNode - 1;
            try (RespClient client = nodes.get(i).client()) {
                client.command("CLUSTER", "SET-CONFIG-EPOCH", Integer.toString(i + 1));
                client.command("CLUSTER", "ADDSLOTSRANGE", Integer.toString(first), Integer.toString(last));
            }
        }
        try (RespClient first = nodes.get(0).client()) {
            for (int i = 1; i < masters; i++) {
                first.command("CLUSTER", "MEET", "127.0.0.1", Integer.toString(nodes.get(i).port()));
            }
        }
        awaitSettled(TimeUnit.SECONDS.toMillis(20));
    }

    /** The seed list for {@code quarkus.redis.hosts}. */
    public String hosts() {
        return hosts(ports());
    }

    public List<Integer> ports() {
        return nodes.stream().map(RedisProcess::port).toList();
    }

    /** The port of the master that serves {@code key}'s slot now, as the first live node sees it. */
    public int portOf(String key) {
        int slot = slotOf(key);
        try (RespClient client = anyLiveNode().client()) {
            for (Object range : (List<?>) client.command("CLUSTER", "SLOTS")) {
                List<?> entry = (List<?>) range;
                if ((Long) entry.get(0) <= slot && slot <= (Long) entry.get(1)) {
                    return ((Long) ((List<?>) entry.get(2)).get(1)).intValue();
                }
            }
        }
        throw new IllegalStateException("no node serves slot " + slot);
    }

    public int slotOf(String key) {
        try (RespClient client = anyLiveNode().client()) {
            return (int) client.number("CLUSTER", "KEYSLOT", key);
        }
    }

    /** A client of the node on {@code port} (read its counters, MONITOR it). */
    public RespClient client(int port) {
        return node(port).client();
    }

    /** Kills the master on {@code port} (SIGKILL). */
    public void kill(int port) {
        node(port).kill();
    }

    /** Starts the node on {@code port} again, with its node id, slots and data. */
    public void restart(int port) {
        node(port).start();
    }

    /**
     * Moves one slot and its keys from one master to another the way {@code redis-cli --cluster reshard} does:
     * IMPORTING on the target, MIGRATING on the source, MIGRATE of every key, then the new owner told to every node.
     */
    public void migrateSlot(int slot, int fromPort, int toPort) {
        String s = Integer.toString(slot);
        try (RespClient from = client(fromPort); RespClient to = client(toPort)) {
            String fromId = (String) from.command("CLUSTER", "MYID");
            String toId = (String) to.command("CLUSTER", "MYID");
            to.command("CLUSTER", "SETSLOT", s, "IMPORTING", fromId);
            from.command("CLUSTER", "SETSLOT", s, "MIGRATING", toId);
            while (true) {
                List<?> keys = (List<?>) from.command("CLUSTER", "GETKEYSINSLOT", s, "100");
                if (keys.isEmpty()) {
                    break;
                }
                List<String> migrate = new ArrayList<>(List.of("MIGRATE", "127.0.0.1", Integer.toString(toPort), "", "0",
                        "5000", "KEYS"));
                keys.forEach(key -> migrate.add(key.toString()));
                from.command(migrate.toArray(String[]::new));
            }
            to.command("CLUSTER", "SETSLOT", s, "NODE", toId);
            from.command("CLUSTER", "SETSLOT", s, "NODE", toId);
            for (RedisProcess node : nodes) {
                if (node.alive() && node.port() != fromPort && node.port() != toPort) {
                    try (RespClient other = node.client()) {
                        other.command("CLUSTER", "SETSLOT", s, "NODE", toId);
                    }
                }
            }
        }
    }

    /** Waits until every node says {@code cluster_state:ok} and they agree on who serves every slot. */
    public void awaitSettled(long maxMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMillis);
        String last = "";
        while (System.nanoTime() < deadline) {
            last = state();
            if (last.equals("ok")) {
                return;
            }
            sleep(20);
        }
        throw new IllegalStateException("cluster did not settle within " + maxMillis + " ms: " + last);
    }

    /** Waits until some live node says {@code cluster_state:fail} (a lost master has been noticed). */
    public void awaitFailState(long maxMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMillis);
        while (System.nanoTime() < deadline) {
            for (RedisProcess node : nodes) {
                if (node.alive()) {
                    try (RespClient client = node.client()) {
                        if (((String) client.command("CLUSTER", "INFO")).contains("cluster_state:fail")) {
                            return;
                        }
                    } catch (RuntimeException notAnswering) {
                        // next node
                    }
                }
            }
            sleep(20);
        }
        throw new IllegalStateException("no node noticed the lost master within " + maxMillis + " ms");
    }

    private String state() {
        String slots = null;
        for (RedisProcess node : nodes) {
            if (!node.alive()) {
                return "node " + node.port() + " is down";
            }
            try (RespClient client = node.client()) {
                String info = (String) client.command("CLUSTER", "INFO");
                if (!info.contains("cluster_state:ok") || !info.contains("cluster_known_nodes:" + nodes.size())
                        || !info.contains("cluster_slots_ok:16384")) {
                    return node.port() + ": " + info.lines().limit(6).collect(Collectors.joining(" "));
                }
                String view = slotView(client);
                if (slots != null && !slots.equals(view)) {
                    return "nodes disagree on slots";
                }
                slots = view;
            } catch (RuntimeException e) {
                return node.port() + ": " + e.getMessage();
            }
        }
        return "ok";
    }

    private static String slotView(RespClient client) {
        return ((List<?>) client.command("CLUSTER", "SLOTS")).stream().map(range -> {
            List<?> entry = (List<?>) range;
            return entry.get(0) + "-" + entry.get(1) + "@" + ((List<?>) entry.get(2)).get(1);
        }).sorted().collect(Collectors.joining(","));
    }

    private RedisProcess anyLiveNode() {
        return nodes.stream().filter(RedisProcess::alive).findFirst()
                .orElseThrow(() -> new IllegalStateException("no live node"));
    }

    private RedisProcess node(int port) {
        return nodes.stream().filter(node -> node.port() == port).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no node on " + port));
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
        nodes.forEach(RedisProcess::kill);
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory
        }
    }
}
