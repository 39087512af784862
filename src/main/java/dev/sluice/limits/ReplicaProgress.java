package dev.sluice.limits;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How far the replicas of the masters that answer have copied, from the {@code INFO} the limit store asks for every
 * second: tells before which instant every release Redis answered has reached a replica, so that the
 * {@link ReleaseJournal} can forget it. A release Redis answered before a check was written at or below the master's
 * {@code master_repl_offset} in that check's reply; once every replica's {@code offset} has passed that, it survives a
 * failover.
 *
 * <p>A master that had replicas in the last {@code holdNanos} and now has none (a primary whose replica was just
 * promoted: in a requested Sentinel failover it keeps taking writes until the sentinels demote it, ten seconds later
 * in the runs by hand) confirms nothing: what it takes from then on is kept until another server answers. A master
 * that never had a replica confirms everything: it has nothing to fail over to.
 *
 * <p>Used by the store's check only, one check at a time.
 */
final class ReplicaProgress {

    /** One check of one master: when it was asked, and how far its replication stream went. */
    private record Sample(long askedNanos, long masterOffset) {
    }

    private static final class Master {
        final ArrayDeque<Sample> pending = new ArrayDeque<>();
        boolean everReplicated;
        long replicaSeenNanos;
        boolean safeKnown;
        long safeBeforeNanos;
    }

    private static final int MAX_SAMPLES = 600;

    private final long holdNanos;
    private final Map<String, Master> masters = new HashMap<>();
    private boolean replicated;
    private boolean safeKnown;
    private long safeBeforeNanos;

    ReplicaProgress(long holdNanos) {
        this.holdNanos = holdNanos;
    }

    /**
     * Takes one check's {@code INFO} replies (one per master), asked at {@code askedNanos}.
     *
     * @return false when a reply could not be read (nothing was taken from it)
     */
    boolean observe(List<String> infos, long askedNanos) {
        Map<String, Master> seen = new HashMap<>();
        boolean anyReplicated = false;
        boolean allSafe = true;
        boolean anySafe = false;
        long safeBefore = 0;
        for (String info : infos) {
            String runId = field(info, "run_id:");
            Long offset = number(field(info, "master_repl_offset:"));
            Long replicas = number(field(info, "connected_slaves:"));
            if (runId == null || offset == null || replicas == null) {
                return false;
            }
            Master master = masters.computeIfAbsent(runId, id -> new Master());
            seen.put(runId, master);
            master.pending.addLast(new Sample(askedNanos, offset));
            if (master.pending.size() > MAX_SAMPLES) {
                master.pending.removeFirst();
            }
            if (replicas > 0) {
                master.everReplicated = true;
                master.replicaSeenNanos = askedNanos;
                long copied = slowestReplicaOffset(info);
                while (!master.pending.isEmpty() && master.pending.peekFirst().masterOffset() <= copied) {
                    advance(master, master.pending.removeFirst().askedNanos());
                }
            } else if (!master.everReplicated || askedNanos - master.replicaSeenNanos > holdNanos) {
                master.pending.clear();
                advance(master, askedNanos);
            }
            if (master.everReplicated && askedNanos - master.replicaSeenNanos <= holdNanos) {
                anyReplicated = true;
            }
            if (!master.safeKnown) {
                allSafe = false;
            } else if (!anySafe || master.safeBeforeNanos - safeBefore < 0) {
                anySafe = true;
                safeBefore = master.safeBeforeNanos;
            }
        }
        masters.keySet().retainAll(seen.keySet());
        replicated = anyReplicated;
        safeKnown = allSafe && !seen.isEmpty();
        safeBeforeNanos = safeBefore;
        return true;
    }

    /** Whether a master that answers has had a replica lately: only then are releases worth keeping. */
    boolean replicated() {
        return replicated;
    }

    /** Whether {@link #safeBeforeNanos} says anything yet. */
    boolean safeKnown() {
        return safeKnown;
    }

    /** Releases Redis answered before this instant have reached a replica (or have no failover to fear). */
    long safeBeforeNanos() {
        return safeBeforeNanos;
    }

    private static void advance(Master master, long nanos) {
        if (!master.safeKnown || nanos - master.safeBeforeNanos > 0) {
            master.safeKnown = true;
            master.safeBeforeNanos = nanos;
        }
    }

    /** The smallest {@code offset=} of the {@code slaveN:} lines; -1 when none says. */
    private static long slowestReplicaOffset(String info) {
        long slowest = Long.MAX_VALUE;
        int at = info.indexOf("\nslave");
        while (at >= 0) {
            int end = info.indexOf('\n', at + 1);
            String line = info.substring(at + 1, end < 0 ? info.length() : end).strip();
            int offsetAt = line.indexOf("offset=");
            if (line.matches("slave\\d+:.*") && offsetAt >= 0) {
                int stop = offsetAt + 7;
                while (stop < line.length() && Character.isDigit(line.charAt(stop))) {
                    stop++;
                }
                Long offset = number(line.substring(offsetAt + 7, stop));
                if (offset != null) {
                    slowest = Math.min(slowest, offset);
                }
            }
            at = info.indexOf("\nslave", at + 1);
        }
        return slowest == Long.MAX_VALUE ? -1 : slowest;
    }

    /** The value after {@code name} up to the end of its line, or null. */
    static String field(String info, String name) {
        int start;
        if (info.startsWith(name)) {
            start = name.length();
        } else {
            int at = info.indexOf("\n" + name);
            if (at < 0) {
                return null;
            }
            start = at + 1 + name.length();
        }
        int end = start;
        while (end < info.length() && !Character.isWhitespace(info.charAt(end))) {
            end++;
        }
        return info.substring(start, end);
    }

    private static Long number(String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException notANumber) {
            return null;
        }
    }
}
