package dev.sluice.upstream;

import dev.sluice.routing.Backend;
import dev.sluice.routing.Catalog;
import dev.sluice.routing.HealthProbe;
import dev.sluice.routing.Protocol;
import dev.sluice.translate.Translation;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The active health checks of the backends that have one (contract §6.1): a GET of the backend's URL plus the check's
 * path every {@code interval}; a 2xx within {@code timeout} passes, anything else (another status, no connection, no
 * answer in time) fails, and enough of one kind in a row marks the backend down or up ({@link Backend#checked}). A
 * backend marked down is skipped like one whose breaker is open.
 *
 * <p>One timer for all checks, on one event loop: each tick sends the checks that are due and sleeps until the next
 * one is, at most a second, so that a check a reload adds starts within a second. A backend a reload keeps (nothing of
 * it changed) keeps its health and its schedule; one it removes is no longer checked.
 */
public final class HealthChecks {

    private static final Logger LOGGER = Logger.getLogger(HealthChecks.class);
    private static final long LONGEST_SLEEP_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Vertx vertx;
    private final Supplier<Catalog> catalogs;
    private final UpstreamClients clients;
    /** When each checked backend's next check is due; touched on {@link #context} only. */
    private final Map<Backend, Long> due = new IdentityHashMap<>();
    private final Set<Backend> checking = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    private Context context;
    private long timer = -1;
    private volatile boolean stopped;

    public HealthChecks(Vertx vertx, Supplier<Catalog> catalogs, Forwarder forwarder) {
        this.vertx = vertx;
        this.catalogs = catalogs;
        this.clients = forwarder.clients();
    }

    public void start() {
        context = vertx.getOrCreateContext();
        context.runOnContext(started -> tick());
    }

    public void stop() {
        stopped = true;
        if (context != null) {
            context.runOnContext(stopping -> vertx.cancelTimer(timer));
        }
    }

    private void tick() {
        if (stopped) {
            return;
        }
        long now = System.nanoTime();
        long wake = now + LONGEST_SLEEP_NANOS;
        Map<Backend, Long> seen = new IdentityHashMap<>();
        for (Backend backend : catalogs.get().backends()) {
            HealthProbe probe = backend.probe();
            if (probe == null) {
                continue;
            }
            long next = due.getOrDefault(backend, now);
            if (next - now <= 0 && !checking.contains(backend)) {
                check(backend, probe);
                // up to a tenth early, at random: instances started together drift apart instead of checking in step
                long interval = probe.interval().toNanos();
                next = now + interval - java.util.concurrent.ThreadLocalRandom.current().nextLong(interval / 10 + 1);
            }
            seen.put(backend, next);
            if (next - wake < 0) {
                wake = next;
            }
        }
        due.clear();
        due.putAll(seen);
        timer = vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(wake - now)), fired -> tick());
    }

    private void check(Backend backend, HealthProbe probe) {
        checking.add(backend);
        Promise<Integer> outcome = Promise.promise();
        long timeoutMillis = Math.max(1, probe.timeout().toMillis());
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost(backend.host())
                .setPort(backend.port()).setSsl(backend.ssl()).setURI(backend.basePath() + probe.path())
                .setConnectTimeout(timeoutMillis);
        HttpClientRequest[] sent = new HttpClientRequest[1];
        long deadline = vertx.setTimer(timeoutMillis, late -> {
            if (outcome.tryFail("no answer within " + probe.timeout().toMillis() + " ms") && sent[0] != null) {
                sent[0].reset();
            }
        });
        clients.clientFor(backend).request(options).onFailure(outcome::tryFail).onSuccess(request -> {
            sent[0] = request;
            request.exceptionHandler(failure -> outcome.tryFail(failure));
            // what a request would carry: a backend behind a gateway may want its key on every path, and Anthropic's
            // API refuses a request without its version header
            if (backend.protocol() == Protocol.ANTHROPIC) {
                request.headers().set("anthropic-version", Translation.ANTHROPIC_VERSION);
            }
            if (backend.apiKey() != null) {
                request.headers().set(backend.protocol() == Protocol.ANTHROPIC ? "x-api-key" : "authorization",
                        backend.protocol() == Protocol.ANTHROPIC ? backend.apiKey() : "Bearer " + backend.apiKey());
            }
            request.send().onFailure(outcome::tryFail).onSuccess(response -> {
                clients.holdKeepAlive(response);
                // read to the end, so that the pooled connection serves the next request
                response.handler(ignored -> { }).exceptionHandler(outcome::tryFail)
                        .endHandler(ended -> outcome.tryComplete(response.statusCode()));
            });
        });
        outcome.future().onComplete(done -> {
            vertx.cancelTimer(deadline);
            checking.remove(backend);
            boolean passed = done.succeeded() && done.result() / 100 == 2;
            if (backend.checked(passed)) {
                String why = done.succeeded() ? "status " + done.result() : done.cause().getMessage();
                if (backend.healthy()) {
                    LOGGER.infof("Backend %s of model %s is up again: its health check passed (%s)", backend.name(),
                            backend.model(), why);
                } else {
                    LOGGER.warnf("Backend %s of model %s is down: its health check failed %s (last: %s)",
                            backend.name(), backend.model(), probe.failureThreshold() == 1 ? "once"
                                    : probe.failureThreshold() + " times in a row", why);
                }
            }
        });
    }
}
