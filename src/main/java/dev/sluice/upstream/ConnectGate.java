package dev.sluice.upstream;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxException;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayDeque;

/**
 * Paces the requests to one backend address that wait for a pooled connection ({@code sluice.upstream.max-connecting}
 * at once, per proxy instance): the others wait here for a turn, in order.
 *
 * <p>Why: a burst of new requests (a restart in front of a busy backend, thousands of streams starting at once) would
 * otherwise open as many connections at the same instant. A backend's listen queue holds a few hundred (511 for Node
 * and nginx): the kernel drops the SYNs beyond it, a SYN dropped twice is resent after 3 s, past the 2 s connect
 * timeout, and the connect errors then open the backend's breaker, which answers every request 503 for its delay.
 * With the burst paced, a dropped SYN costs one resend (1 s) and no error.
 *
 * <p>A request holds its turn from asking the pool until the pool answers (an idle connection at once; a new one once
 * connected, or Vert.x' connect timeout): a steady load with its connections pooled never waits here. A waiting request
 * fails with a connect error only when no request to the address obtained a connection during its whole connect
 * timeout (the backend accepts nothing); while connections keep opening, it waits for its turn. A request whose route
 * gives it up (the client left, another hedged attempt answered) leaves the queue at once.
 *
 * <p>Thread-safe: one gate serves every event loop; a waiting request resumes on its own event loop.
 */
final class ConnectGate {

    /** What the gate asks of a request it paces (a route's attempt). */
    interface Call {
        /** True once the caller gave the request up. */
        boolean cancelled();

        /** The request waits for its turn: {@code withdraw} takes it out of the queue. */
        void waiting(Runnable withdraw);
    }

    private final String address;
    private final int limit;
    /** Requests asking the pool now; guarded by this. */
    private int asking;
    /** Requests waiting for a turn, withdrawn ones included (skipped when their turn comes); guarded by this. */
    private final ArrayDeque<Turn> waiting = new ArrayDeque<>();
    /** When a request last obtained a connection to this address; guarded by this. */
    private long lastConnectedNanos = System.nanoTime();

    ConnectGate(String address, int limit) {
        this.address = address;
        this.limit = limit;
    }

    /**
     * Asks {@code client} for a request to this address now, or once a turn is free. Call on the request's event loop.
     *
     * @param call told how to withdraw the request while it waits, for when its caller gives it up
     */
    Future<HttpClientRequest> request(Vertx vertx, HttpClient client, RequestOptions options, Call call) {
        Turn turn = null;
        synchronized (this) {
            if (asking < limit) {
                asking++;
            } else {
                turn = new Turn(vertx, client, options, call);
                waiting.add(turn);
            }
        }
        if (turn == null) {
            // the pool is asked outside the lock: it may answer at once, on this thread, and its answer takes the lock
            return ask(client, options);
        }
        turn.awaitTimeout(turn.timeoutMillis);
        call.waiting(turn::withdraw);
        return turn.connected.future();
    }

    /** How many requests wait for a turn now. */
    synchronized int waiting() {
        int count = 0;
        for (Turn turn : waiting) {
            count += turn.withdrawn ? 0 : 1;
        }
        return count;
    }

    private Future<HttpClientRequest> ask(HttpClient client, RequestOptions options) {
        return client.request(options).andThen(this::answered);
    }

    /** The pool answered one request: its turn goes to the next one waiting, on that one's event loop. */
    private void answered(AsyncResult<HttpClientRequest> connected) {
        Turn next;
        synchronized (this) {
            if (connected.succeeded()) {
                lastConnectedNanos = System.nanoTime();
            }
            do {
                next = waiting.poll();
            } while (next != null && next.withdrawn);
            if (next == null) {
                asking--;
                return;
            }
            next.started = true;
        }
        next.start();
    }

    /** One request waiting for its turn. Its fields are guarded by the gate. */
    private final class Turn {
        private final Vertx vertx;
        private final Context context;
        private final HttpClient client;
        private final RequestOptions options;
        private final Call call;
        private final Promise<HttpClientRequest> connected = Promise.promise();
        private final long queuedNanos = System.nanoTime();
        private final long timeoutMillis;
        private long timerId = -1;
        private boolean started;
        private boolean withdrawn;

        Turn(Vertx vertx, HttpClient client, RequestOptions options, Call call) {
            this.vertx = vertx;
            this.context = vertx.getOrCreateContext();
            this.client = client;
            this.options = options;
            this.call = call;
            this.timeoutMillis = Math.max(1, options.getConnectTimeout());
        }

        /** Its turn came (the caller holds it for this request now). */
        void start() {
            context.runOnContext(go -> {
                cancelTimer();
                if (call.cancelled()) {
                    // given up as its turn came: the turn goes on at once
                    answered(Future.failedFuture("given up"));
                    connected.tryFail(UpstreamFailure.cancelled());
                } else {
                    ask(client, options).onComplete(connected);
                }
            });
        }

        /**
         * Checks in {@code millis} (on this request's event loop) whether a connection opened within the last connect
         * timeout; fails the request if none did.
         */
        void awaitTimeout(long millis) {
            timerId = vertx.setTimer(Math.max(1, millis), fired -> {
                long quietNanos;
                synchronized (ConnectGate.this) {
                    if (started || withdrawn) {
                        return;
                    }
                    quietNanos = System.nanoTime() - Math.max(queuedNanos, lastConnectedNanos);
                    if (quietNanos < timeoutMillis * 1_000_000) {
                        // connections to the address keep opening: the queue moves, so this request waits on
                        awaitTimeout(timeoutMillis - quietNanos / 1_000_000);
                        return;
                    }
                    withdrawn = true;
                }
                connected.tryFail(new VertxException("no connection to " + address + " opened within the connect "
                        + "timeout of " + timeoutMillis + " ms while the request waited for its turn to connect", true));
            });
        }

        /** The route gave the request up while it waited: it leaves the queue. */
        void withdraw() {
            synchronized (ConnectGate.this) {
                if (started || withdrawn) {
                    return;
                }
                withdrawn = true;
            }
            cancelTimer();
            connected.tryFail(UpstreamFailure.cancelled());
        }

        private void cancelTimer() {
            if (timerId >= 0) {
                vertx.cancelTimer(timerId);
            }
        }
    }
}
