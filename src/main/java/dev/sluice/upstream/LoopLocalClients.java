package dev.sluice.upstream;

import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * One HTTP client per event loop, each with its share of {@code max-connections}, so that a request's backend
 * connection belongs to the event loop that serves the request.
 *
 * <p>Why: one Vert.x client shares one pool between all event loops and lends a request any idle connection (the
 * most recently used), with two loops half the time one that another loop reads. Vert.x then hands every event of that
 * connection (the answer's head, each chunk of a stream, its end) over to the request's loop as a task, which wakes
 * that loop's thread: a hop, a thread switch and an eventfd write per chunk, and the latency of each. A client used by
 * one loop only opens its connections on that loop (Vert.x binds a new connection to the loop of the request that
 * waits for it), so nothing is handed over.
 *
 * <p>The shares add up to {@code max-connections} (the first loops get one more when it does not divide evenly). With
 * fewer connections than event loops, one client is shared by every loop, so that the limit still holds.
 *
 * <p>Thread-safe: built once, read only. {@link #current()} never blocks.
 */
final class LoopLocalClients {

    private static final Logger LOGGER = Logger.getLogger(LoopLocalClients.class);

    /** The event loops, in the order of {@link #clients}; empty when one client is shared. */
    private final EventExecutor[] loops;
    private final HttpClient[] clients;

    LoopLocalClients(Vertx vertx, HttpClientOptions options, int maxConnections) {
        List<EventExecutor> all = new ArrayList<>();
        vertx.nettyEventLoopGroup().forEach(all::add);
        int count = maxConnections >= all.size() ? all.size() : 1;
        loops = count > 1 ? all.toArray(new EventExecutor[0]) : new EventExecutor[0];
        clients = new HttpClient[count];
        for (int i = 0; i < count; i++) {
            clients[i] = build(vertx, new HttpClientOptions(options),
                    new PoolOptions().setHttp1MaxSize(share(maxConnections, count, i)).setMaxWaitQueueSize(-1));
        }
    }

    /** Loop {@code index}'s share of {@code maxConnections} split between {@code count} loops. */
    static int share(int maxConnections, int count, int index) {
        return maxConnections / count + (index < maxConnections % count ? 1 : 0);
    }

    /**
     * A backend that resets its connection fails the request on it (a {@code backend_connect_error}, retried, or a
     * broken stream), which the request's own handlers report; a connection without an exception handler of its own
     * would also be logged by Vert.x at ERROR, once per reset.
     */
    private static HttpClient build(Vertx vertx, HttpClientOptions options, PoolOptions pool) {
        return vertx.httpClientBuilder().with(options).with(pool)
                .withConnectHandler(connection -> connection.exceptionHandler(failure -> LOGGER.debugf(
                        "upstream connection to %s failed: %s", connection.remoteAddress(), failure.getMessage())))
                .build();
    }

    /** How many clients there are: one per event loop, or one shared. */
    int size() {
        return clients.length;
    }

    /** The calling event loop's client; the first one off the event loops, or the shared one. */
    HttpClient current() {
        Thread thread = Thread.currentThread();
        for (int i = 0; i < loops.length; i++) {
            if (loops[i].inEventLoop(thread)) {
                return clients[i];
            }
        }
        return clients[0];
    }

    Future<Void> close() {
        List<Future<Void>> closed = new ArrayList<>(clients.length);
        for (HttpClient client : clients) {
            closed.add(client.close());
        }
        return Future.all(closed).mapEmpty();
    }
}
