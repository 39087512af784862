package dev.sluice.limits;

import io.vertx.core.CompositeFuture;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the Sentinels say the primary is ({@code SENTINEL MASTER <name>} on each of them): its {@code run_id}, address
 * and the configuration epoch that named it. A failover raises the epoch; the sentinel that ran it knows first, the
 * others within a few seconds, so the newest epoch among those that answer is the truth.
 *
 * <p>The limit store compares it with the server its connections answer from: after a requested failover the old
 * primary goes on taking writes until the Sentinels demote it (about 10 s), and the Vert.x client's reconnection on the
 * switch notice can land there again when the sentinel it asks has not learned of the switch yet; what the old primary
 * takes in that window is lost.
 */
public final class SentinelView {

    /** The primary as the newest configuration names it; {@code runId} null while that sentinel has not read it yet. */
    record Primary(long epoch, String runId, String address) {
    }

    /** Longest a sentinel may take to answer before it counts as not answering. */
    static final long ASK_MILLIS = 1_000;

    private final Vertx vertx;
    private final String masterName;
    private final List<Redis> sentinels;

    private SentinelView(Vertx vertx, String masterName, List<Redis> sentinels) {
        this.vertx = vertx;
        this.masterName = masterName;
        this.sentinels = sentinels;
    }

    /** A view on the sentinels the options list, or null when the options are not a Sentinel set-up's. */
    public static SentinelView of(Vertx vertx, RedisOptions options) {
        if (options == null || options.getType() != RedisClientType.SENTINEL || options.getMasterName() == null) {
            return null;
        }
        List<Redis> clients = new ArrayList<>();
        for (String endpoint : options.getEndpoints()) {
            // each sentinel alone, with the same password, TLS and pool settings as the client that asks them
            clients.add(Redis.createClient(vertx, new RedisOptions(options).setType(RedisClientType.STANDALONE)
                    .setEndpoints(new ArrayList<>(List.of(endpoint)))));
        }
        return new SentinelView(vertx, options.getMasterName(), clients);
    }

    /**
     * The primary as the newest configuration among the sentinels that answer names it; null when none answers. Never
     * fails.
     */
    Future<Primary> primary() {
        List<Future<Map<String, String>>> asked = new ArrayList<>();
        for (Redis sentinel : sentinels) {
            Promise<Map<String, String>> answer = Promise.promise();
            long timer = vertx.setTimer(ASK_MILLIS, id -> answer.tryComplete(null));
            sentinel.send(Request.cmd(Command.SENTINEL).arg("MASTER").arg(masterName)).onComplete(reply -> {
                vertx.cancelTimer(timer);
                answer.tryComplete(reply.succeeded() ? fields(reply.result()) : null);
            });
            asked.add(answer.future());
        }
        return Future.join(asked).map(all -> newest(results(all))).otherwise((Primary) null);
    }

    private static List<Map<String, String>> results(CompositeFuture all) {
        List<Map<String, String>> answers = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            Map<String, String> answer = all.resultAt(i);
            if (answer != null) {
                answers.add(answer);
            }
        }
        return answers;
    }

    /** The primary of the answer with the highest {@code config-epoch}; null without answers. */
    static Primary newest(List<Map<String, String>> answers) {
        Primary newest = null;
        for (Map<String, String> answer : answers) {
            long epoch;
            try {
                epoch = Long.parseLong(answer.getOrDefault("config-epoch", "-1").trim());
            } catch (NumberFormatException unreadable) {
                continue;
            }
            if (newest == null || epoch > newest.epoch()) {
                String runId = answer.get("runid");
                newest = new Primary(epoch, runId == null || runId.isBlank() ? null : runId,
                        answer.get("ip") + ":" + answer.get("port"));
            }
        }
        return newest;
    }

    /** A {@code SENTINEL MASTER} reply's fields: a flat list of names and values (RESP2) or a map (RESP3). */
    static Map<String, String> fields(Response reply) {
        Map<String, String> fields = new HashMap<>();
        if (reply == null) {
            return fields;
        }
        if (reply.isMap()) {
            for (String name : reply.getKeys()) {
                fields.put(name, String.valueOf(reply.get(name)));
            }
            return fields;
        }
        for (int i = 0; i + 1 < reply.size(); i += 2) {
            fields.put(String.valueOf(reply.get(i)), String.valueOf(reply.get(i + 1)));
        }
        return fields;
    }

    void close() {
        for (Redis sentinel : sentinels) {
            sentinel.close();
        }
    }
}
