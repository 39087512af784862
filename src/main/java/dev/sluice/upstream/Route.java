package dev.sluice.upstream;

import dev.sluice.error.ErrorCode;
import dev.sluice.error.ProxyError;
import dev.sluice.routing.Backend;
import dev.sluice.routing.BackendSelector;
import dev.sluice.routing.Hedge;
import dev.sluice.routing.ModelRoute;
import dev.sluice.routing.RetryBudget;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.json.JsonArray;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.jboss.logging.Logger;

/**
 * The attempts of one client request: the candidates in order — the requested model's backends, then its fallbacks,
 * each within its own retries (contract §6.3) — and completes {@link #result()} once with an answer to relay or the
 * error to answer.
 *
 * <p>Without {@code hedge} the attempts run one after another. With it (§6.6) several may be in flight: the next
 * candidate starts every {@code after} while none has answered (all of {@code max-attempts} at once in race mode), a
 * failure §6.3 retries starts the next one at once, and the first to answer decides — a 2xx wins, an answer §6.3 does
 * not retry (a 500, a provider 4xx) is final — and every other attempt is cancelled at once (its upstream request
 * reset, so the backend sees its connection closed). A timeout that the model does not retry ends only its own
 * attempt: no candidate starts after it, but the attempts still in flight may answer.
 *
 * <p>Confined to the event loop of the client's connection.
 */
public final class Route {

    private static final Logger LOGGER = Logger.getLogger(Route.class);

    /** Calls one backend (through its breaker); completes with a {@link BackendCall.Response} or fails. */
    @FunctionalInterface
    interface Caller {
        CompletionStage<Object> call(OutgoingRequest request, Flight flight);
    }

    /** The hedge's timer: Vert.x timers on the route's event loop, a hand-driven clock in tests. */
    interface Timers {
        /** Runs {@code task} on the route's event loop after {@code delayMillis}; answers an id to cancel it. */
        long set(long delayMillis, Runnable task);

        void cancel(long id);
    }

    /**
     * One call to one backend under way: what the caller tells the route about it (its upstream request once sent,
     * its status line) and asks of it (whether the route gave it up).
     */
    final class Flight implements ConnectGate.Call {
        private final ModelRoute model;
        private final Backend backend;
        private final long startNanos = System.nanoTime();
        private HttpClientRequest request;
        /** Takes the call out of its backend's connect queue while it waits there ({@link ConnectGate}). */
        private Runnable withdraw;
        /** The route gave this call up: another attempt answered, or the request ended. */
        private boolean givenUp;
        /** Hedged: how it ended, as listed in {@code attempts}; null while it runs, and for the answer. */
        private Attempt attempt;

        private Flight(ModelRoute model, Backend backend) {
            this.model = model;
            this.backend = backend;
        }

        ModelRoute model() {
            return model;
        }

        Backend backend() {
            return backend;
        }

        /** The upstream request exists: from now on it is reset when the call is given up. */
        void sent(HttpClientRequest upstreamRequest) {
            request = upstreamRequest;
        }

        @Override
        public void waiting(Runnable withdraw) {
            this.withdraw = withdraw;
            listener.waitedToConnect(backend.name());
        }

        /** True once the route gave this call up (checked when the connection is obtained). */
        @Override
        public boolean cancelled() {
            return givenUp || Route.this.cancelled;
        }

        /** The backend's status line and headers came, {@code nanos} after the call started. */
        void headers(HttpClientResponse response, long nanos) {
            listener.firstByte(backend.name(), nanos);
            if (hedge != null) {
                hedgedHeaders(this, response);
            }
        }

        private void reset() {
            if (request != null) {
                request.reset();
            } else if (withdraw != null) {
                withdraw.run();
            }
        }
    }

    private final OutgoingRequest request;
    private final ModelRoute requested;
    private final RetryBudget retryBudget;
    private final Forwarder.Listener listener;
    private final Caller caller;
    private final List<ModelRoute> chain;
    /** The attempts that ended without the answer; no array until the first (most requests have none). */
    private final List<Attempt> attempts = new ArrayList<>();
    /** The backends called so far: a set of one for the first call (most requests make no other), then a HashSet. */
    private Set<Backend> tried = Set.of();
    private final Promise<UpstreamResult> result = Promise.promise();
    private int modelIndex;
    private int attemptsOnModel;
    private int started;
    private UpstreamFailure lastFailure;
    private Backend lastBackend;
    private boolean allOverloaded = true;
    private long maxRetryAfter;
    private long failedNanos;
    private Flight current;
    private boolean cancelled;
    private ProxyError cancelAnswer;

    // hedging (§6.6); unused without hedge
    private final Hedge hedge;
    private final Timers timers;
    /** When the first attempt started. */
    private long startNanos;
    /** Every attempt started, in order (those refused by an open breaker taken out). */
    private List<Flight> flights;
    /** The attempts in flight. */
    private List<Flight> running;
    private long timerId = -1;
    /** False once the timer may start no more candidates: an attempt answered, a timeout was not retried. */
    private boolean hedging = true;
    /** True once no more candidates can start: none left, or the retry budget is spent. */
    private boolean exhausted;

    /**
     * @param chain the candidates' models in order: the one that serves, then its fallbacks
     * @param timers the hedge's timer (unused when the first model has no hedge)
     */
    Route(OutgoingRequest request, List<ModelRoute> chain, RetryBudget retryBudget, Forwarder.Listener listener,
            Caller caller, Timers timers) {
        this.request = request;
        this.chain = chain;
        this.requested = chain.get(0);
        this.retryBudget = retryBudget;
        this.listener = listener;
        this.caller = caller;
        this.hedge = requested.hedge();
        this.timers = timers;
        if (hedge != null) {
            flights = new ArrayList<>(hedge.maxAttempts());
            running = new ArrayList<>(hedge.maxAttempts());
        }
    }

    /** Completes once: an answer to relay, or the error to answer with the attempts that led to it. */
    public Future<UpstreamResult> result() {
        return result.future();
    }

    /**
     * Stops forwarding: the attempts under way are reset (the backend stops at once) and the result, if still
     * pending, completes as cancelled with {@code answer} (client_closed when the client went away; the error to
     * answer when the proxy stops). Call on the client's event loop.
     */
    public void cancel(ProxyError answer) {
        if (cancelled || result.future().isComplete()) {
            return;
        }
        cancelled = true;
        cancelAnswer = answer;
        if (hedge != null) {
            giveUpAll();
            List<Attempt> tried = hedgedAttempts();
            complete(new UpstreamResult.Failed(withAttempts(answer, tried), tried, System.nanoTime() - startNanos, true,
                    started));
        } else if (current != null) {
            Flight connecting = current;
            connecting.reset();
            if (connecting.request == null && !result.future().isComplete()) {
                // still waiting for its connection (or its turn to connect): nothing was sent, so the route ends now
                // rather than when the connect ends, up to connect-timeout later; the connect's outcome is dropped
                connecting.givenUp = true;
                current = null;
                // unconnected: the request reached no backend, so it is taken back out of the account's quota
                attempts.add(new Attempt(connecting.backend.name(), connecting.model.upstreamModel(), CANCELLED, null,
                        (System.nanoTime() - connecting.startNanos) / 1_000_000, true));
                completeCancelled();
            }
        }
    }

    /** Starts forwarding: the first attempt, or with hedge the first ones. */
    void start() {
        if (hedge == null) {
            next();
        } else {
            startHedged();
        }
    }

    // ------------------------------------------------------------------ one attempt after another (§6.3)

    /** Tries the next candidate, or ends with the final error when none is left. */
    void next() {
        if (cancelled) {
            completeCancelled();
            return;
        }
        Backend backend = pick(System.nanoTime());
        if (backend == null) {
            fail();
            return;
        }
        if (!attempts.isEmpty()) {
            if (!retryBudget.tryRetry()) {
                LOGGER.debugf("request_id=%s retry budget spent", request.requestId());
                fail();
                return;
            }
            listener.retried(lastBackend == null ? null : lastBackend.name(), reasonOf(lastFailure));
        }
        attemptsOnModel++;
        call(chain.get(modelIndex), backend);
    }

    /**
     * The next candidate in §6.3's order: an untried, available backend of the current model while its retries
     * allow, else of the next model in the chain; null when none is left. Leaves {@link #modelIndex} at its model.
     */
    private Backend pick(long now) {
        while (modelIndex < chain.size()) {
            ModelRoute model = chain.get(modelIndex);
            Backend backend = attemptsOnModel <= model.upstream().retries()
                    ? BackendSelector.choose(model.backends(), tried, now) : null;
            if (backend != null) {
                return backend;
            }
            modelIndex++;
            attemptsOnModel = 0;
        }
        return null;
    }

    private void call(ModelRoute model, Backend backend) {
        if (tried.isEmpty()) {
            tried = Set.of(backend);
        } else {
            Set<Backend> more = new HashSet<>(tried);
            more.add(backend);
            tried = more;
        }
        backend.acquire();
        started++;
        Flight flight = new Flight(model, backend);
        if (hedge == null) {
            current = flight;
        } else {
            flights.add(flight);
            running.add(flight);
        }
        CompletionStage<Object> stage;
        try {
            stage = caller.call(request, flight);
        } catch (RuntimeException prevented) {
            stage = CompletableFuture.failedStage(prevented);
        }
        stage.whenComplete((answer, error) -> {
            if (error != null) {
                ended(backend, flight.startNanos);
            }
            if (hedge != null) {
                if (error != null) {
                    hedgedFailure(flight, unwrap(error));
                } else {
                    hedgedResponse(flight, (BackendCall.Response) answer);
                }
                return;
            }
            if (flight.givenUp) {
                // the route ended while this call was still connecting (cancel): nobody waits for its outcome
                if (error == null) {
                    ((BackendCall.Response) answer).request().reset();
                    ended(backend, flight.startNanos);
                }
                return;
            }
            current = null;
            if (error != null) {
                onFailure(model, backend, flight.startNanos, unwrap(error));
            } else {
                onResponse(model, backend, flight.startNanos, (BackendCall.Response) answer);
            }
        });
    }

    private void ended(Backend backend, long start) {
        long nanos = System.nanoTime() - start;
        backend.release();
        listener.attemptEnded(backend.name(), nanos);
    }

    private void onFailure(ModelRoute model, Backend backend, long start, Throwable error) {
        failedNanos += System.nanoTime() - start;
        if (cancelled) {
            // the attempt it cut (code "cancelled"): in the answer of a request the proxy's shutdown cut, and in the
            // access log's attempts either way (a client that left before the answer: which backend it waited on)
            attempts.add(attemptOf(model, backend, start, UpstreamFailure.cancelled()));
            completeCancelled();
            return;
        }
        if (error instanceof CircuitBreakerOpenException) {
            // the breaker opened between the choice and the call: the backend counts as skipped, not tried
            attemptsOnModel--;
            started--;
            next();
            return;
        }
        if (error instanceof ProxyError cannotTake) {
            // this model cannot take the request (a fallback whose protocol cannot carry one of its parameters):
            // nothing was sent; its backends are skipped
            LOGGER.debugf("request_id=%s model %s skipped: %s", request.requestId(), model.name(), cannotTake.getMessage());
            modelIndex++;
            attemptsOnModel = 0;
            started--;
            next();
            return;
        }
        if (!(error instanceof UpstreamFailure failure)) {
            unexpected(backend, error, List.copyOf(attempts), failedNanos);
            return;
        }
        attempts.add(attemptOf(model, backend, start, failure));
        noteFailure(backend, failure);
        if (failure.retryable(model.upstream().retryOnTimeout())) {
            next();
        } else {
            fail();
        }
    }

    private void onResponse(ModelRoute model, Backend backend, long start, BackendCall.Response response) {
        if (response.providerError()) {
            // the backend's own 4xx: the client's fault, answered as the envelope (§3.2), never retried
            ended(backend, start);
            failedNanos += System.nanoTime() - start;
            complete(new UpstreamResult.Failed(ProviderErrors.from(response.response().statusCode(),
                    response.errorBody()), List.copyOf(attempts), failedNanos, false, started, model, backend.name()));
            return;
        }
        UpstreamAnswer answer = new UpstreamAnswer(model, backend, response.request(), response.response(),
                response.firstChunk(), response.ended(), start, response.watchdog(), () -> ended(backend, start));
        if (cancelled) {
            answer.cancel();
            answer.relayEnded();
            completeCancelled();
            return;
        }
        complete(new UpstreamResult.Answered(answer, List.copyOf(attempts), failedNanos, started));
    }

    private void completeCancelled() {
        complete(new UpstreamResult.Failed(withAttempts(cancelAnswer, attempts), List.copyOf(attempts), failedNanos,
                true, started));
    }

    /**
     * The answer of a request the proxy cut (its shutdown) with the fields its code carries elsewhere (§3.1):
     * {@code model} and {@code attempts}. A client that went away is answered nothing.
     */
    private ProxyError withAttempts(ProxyError answer, List<Attempt> tried) {
        if (answer.is(ErrorCode.CLIENT_CLOSED)) {
            return answer;
        }
        JsonArray list = new JsonArray();
        tried.forEach(attempt -> list.add(attempt.toJson()));
        return answer.with("model", askedModel()).with("attempts", list);
    }

    /** The name the client sent, as errors give it (§3.1): {@code auto} when the proxy chose the model. */
    private String askedModel() {
        return request.clientModel() != null ? request.clientModel() : requested.name();
    }

    // ------------------------------------------------------------------ hedged and raced attempts (§6.6)

    private void startHedged() {
        startNanos = System.nanoTime();
        launch(null);
        if (hedge.race()) {
            while (launch(null)) {
                // every candidate up to max-attempts starts now
            }
        }
        endIfNothingRuns();
    }

    /**
     * Starts the next candidate, unless the request is decided, {@code max-attempts} are in flight, no candidate is
     * left or the retry budget is spent (every attempt after the first counts as a retry).
     *
     * @param failed the attempt whose failure this retries, or null for the first attempt and a hedge
     * @return true when an attempt started
     */
    private boolean launch(Flight failed) {
        if (result.future().isComplete() || exhausted || running.size() >= hedge.maxAttempts()) {
            return false;
        }
        Backend backend = pick(System.nanoTime());
        if (backend == null) {
            stopStarting();
            return false;
        }
        if (started > 0 && !retryBudget.tryRetry()) {
            LOGGER.debugf("request_id=%s retry budget spent: no more hedged attempts", request.requestId());
            stopStarting();
            return false;
        }
        if (failed != null) {
            listener.retried(failed.backend.name(), reasonOf(lastFailure));
        }
        attemptsOnModel++;
        cancelTimer();
        call(chain.get(modelIndex), backend);
        armTimer();
        return true;
    }

    /** The next hedge, {@code after} from now, while one more attempt could start. */
    private void armTimer() {
        if (hedge.race() || !hedging || exhausted || timerId >= 0 || result.future().isComplete()
                || running.size() >= hedge.maxAttempts()) {
            return;
        }
        timerId = timers.set(hedge.afterMillis(), () -> {
            timerId = -1;
            if (hedging) {
                launch(null);
            }
        });
    }

    private void cancelTimer() {
        if (timerId >= 0) {
            timers.cancel(timerId);
            timerId = -1;
        }
    }

    private void stopStarting() {
        exhausted = true;
        cancelTimer();
    }

    /**
     * A non-streamed attempt answers with its status line (§6.6): a 2xx one wins now, so no candidate starts after
     * it and the others are cancelled. A stream answers with its first chunk, when its call completes; so does a
     * translated JSON answer, read whole before anything reaches the client: one that cannot be read is retried
     * like a 502 (§9), so it must not have cancelled the attempts that could still answer.
     */
    private void hedgedHeaders(Flight flight, HttpClientResponse response) {
        int status = response.statusCode();
        if (flight.givenUp || status < 200 || status >= 300 || eventStream(response.getHeader("content-type"))
                || request.readsWholeAnswer(flight.model)) {
            return;
        }
        hedging = false;
        cancelTimer();
        giveUpAllBut(flight);
    }

    private void hedgedResponse(Flight flight, BackendCall.Response response) {
        Backend backend = flight.backend;
        if (flight.givenUp) {
            // answered just as it was given up: nobody relays it
            response.request().reset();
            ended(backend, flight.startNanos);
            return;
        }
        running.remove(flight);
        giveUpAll();
        if (response.providerError()) {
            // the backend's own 4xx is final like an answer (§3.2, §6.6)
            ended(backend, flight.startNanos);
            listener.hedged(requested.name(), HEDGE_FAILED);
            complete(new UpstreamResult.Failed(ProviderErrors.from(response.response().statusCode(),
                    response.errorBody()), hedgedAttempts(), System.nanoTime() - startNanos, false, started,
                    flight.model, backend.name()));
            return;
        }
        listener.hedged(requested.name(), HEDGE_WON);
        UpstreamAnswer answer = new UpstreamAnswer(flight.model, backend, response.request(), response.response(),
                response.firstChunk(), response.ended(), flight.startNanos, response.watchdog(),
                () -> ended(backend, flight.startNanos));
        // the time spent on backends before the answer's own call is the wait until it started
        complete(new UpstreamResult.Answered(answer, hedgedAttempts(), flight.startNanos - startNanos, started));
    }

    private void hedgedFailure(Flight flight, Throwable error) {
        if (flight.givenUp) {
            return;
        }
        running.remove(flight);
        if (error instanceof CircuitBreakerOpenException) {
            // skipped, not tried: it does not count as an attempt
            flights.remove(flight);
            started--;
            if (modelIndex < chain.size() && chain.get(modelIndex) == flight.model) {
                attemptsOnModel--;
            }
            launch(null);
            endIfNothingRuns();
            return;
        }
        if (error instanceof ProxyError cannotTake) {
            // this model cannot take the request (its protocol cannot carry one of its parameters): nothing was
            // sent, and none of its backends can take it either
            LOGGER.debugf("request_id=%s model %s skipped: %s", request.requestId(), flight.model.name(),
                    cannotTake.getMessage());
            flights.remove(flight);
            started--;
            if (modelIndex < chain.size() && chain.get(modelIndex) == flight.model) {
                modelIndex++;
                attemptsOnModel = 0;
            }
            launch(null);
            endIfNothingRuns();
            return;
        }
        if (!(error instanceof UpstreamFailure failure)) {
            giveUpAll();
            unexpected(flight.backend, error, hedgedAttempts(), System.nanoTime() - startNanos);
            return;
        }
        flight.attempt = attemptOf(flight.model, flight.backend, flight.startNanos, failure);
        noteFailure(flight.backend, failure);
        listener.hedged(requested.name(), HEDGE_FAILED);
        if (failure.retryable(flight.model.upstream().retryOnTimeout())) {
            launch(flight);
        } else if (!failure.isTimeout()) {
            // an answer §6.3 does not retry (a 500) is final like a success
            giveUpAll();
            fail();
            return;
        } else {
            // a timeout not retried: nothing starts after it, but the attempts in flight may still answer
            hedging = false;
            cancelTimer();
        }
        endIfNothingRuns();
    }

    /** Nothing in flight and nothing more to start: the request ends with the last failure. */
    private void endIfNothingRuns() {
        if (running.isEmpty() && !result.future().isComplete()) {
            cancelTimer();
            fail();
        }
    }

    private void giveUpAll() {
        giveUpAllBut(null);
    }

    /** Cancels every attempt in flight but {@code keep}: listed as {@code cancelled}, its request reset at once. */
    private void giveUpAllBut(Flight keep) {
        cancelTimer();
        if (running.isEmpty() || running.size() == 1 && running.get(0) == keep) {
            return;
        }
        Flight[] others = running.toArray(new Flight[0]);
        running.clear();
        if (keep != null) {
            running.add(keep);
        }
        long now = System.nanoTime();
        for (Flight other : others) {
            if (other == keep) {
                continue;
            }
            other.givenUp = true;
            other.attempt = new Attempt(other.backend.name(), other.model.upstreamModel(), CANCELLED, null,
                    (now - other.startNanos) / 1_000_000, false);
            listener.hedged(requested.name(), HEDGE_CANCELLED);
            LOGGER.debugf("request_id=%s backend=%s hedged attempt cancelled", request.requestId(),
                    other.backend.name());
        }
        for (Flight other : others) {
            if (other != keep) {
                other.reset();
            }
        }
    }

    /** The attempts that did not answer, in the order they started. */
    private List<Attempt> hedgedAttempts() {
        List<Attempt> list = new ArrayList<>(flights.size());
        for (Flight flight : flights) {
            if (flight.attempt != null) {
                list.add(flight.attempt);
            }
        }
        return List.copyOf(list);
    }

    private static boolean eventStream(String contentType) {
        return contentType != null && contentType.toLowerCase(Locale.ROOT).contains("text/event-stream");
    }

    // ------------------------------------------------------------------ shared

    /** A backend that cannot be reached is logged with its cause at most this often. */
    private static final long UNREACHABLE_LOGGED_EVERY_NANOS = 60_000_000_000L;

    static final String HEDGE_WON = "won";
    static final String HEDGE_CANCELLED = "cancelled";
    static final String HEDGE_FAILED = "failed";
    private static final String CANCELLED = "cancelled";

    private static Attempt attemptOf(ModelRoute model, Backend backend, long start, UpstreamFailure failure) {
        long durationMs = (System.nanoTime() - start) / 1_000_000;
        return new Attempt(backend.name(), model.upstreamModel(), Attempt.codeOf(failure),
                failure.status() > 0 ? failure.status() : null, durationMs, failure.unconnected());
    }

    private void noteFailure(Backend backend, UpstreamFailure failure) {
        if (failure.unconnected() && backend.reportUnreachable(System.nanoTime(), UNREACHABLE_LOGGED_EVERY_NANOS)) {
            // the access log says backend_connect_error; only this says why (a certificate, a port, a name)
            LOGGER.warnf("request_id=%s backend=%s model=%s could not be reached: %s (logged at most once a minute per"
                    + " backend)", request.requestId(), backend.name(), backend.model(), failure.getMessage());
        } else {
            LOGGER.debugf("request_id=%s backend=%s attempt failed: %s", request.requestId(), backend.name(),
                    failure.getMessage());
        }
        lastFailure = failure;
        lastBackend = backend;
        allOverloaded &= failure.overloaded();
        maxRetryAfter = Math.max(maxRetryAfter, failure.retryAfterSeconds());
    }

    private void unexpected(Backend backend, Throwable error, List<Attempt> tried, long nanos) {
        LOGGER.errorf(error, "request_id=%s unexpected failure calling backend %s", request.requestId(),
                backend.name());
        complete(new UpstreamResult.Failed(ProxyError.of(ErrorCode.INTERNAL_ERROR, "The proxy failed unexpectedly."),
                tried, nanos, false, started));
    }

    private void complete(UpstreamResult outcome) {
        result.tryComplete(outcome);
    }

    /** The final error once nothing more can be tried (contract §6.3). */
    private void fail() {
        List<Attempt> tried = hedge == null ? List.copyOf(attempts) : hedgedAttempts();
        long nanos = hedge == null ? failedNanos : System.nanoTime() - startNanos;
        JsonArray attemptList = new JsonArray();
        tried.forEach(attempt -> attemptList.add(attempt.toJson()));
        String asked = askedModel(); // not the candidate that failed last
        ProxyError error;
        if (lastFailure == null) {
            error = ProxyError.of(ErrorCode.NO_HEALTHY_BACKENDS,
                    "No healthy backend is available for model '" + asked + "'.");
        } else if (allOverloaded) {
            error = ProxyError.provider(ErrorCode.RATE_LIMIT_EXCEEDED,
                    "Every backend for model '" + asked + "' is rate limited or overloaded.")
                    .with("limit", "provider")
                    .header("retry-after", Long.toString(Math.max(1, maxRetryAfter)))
                    // a rate_limit_exceeded says it (§4.3): the SDKs then wait out Retry-After and try again
                    .header("x-should-retry", "true");
            complete(new UpstreamResult.Failed(error, tried, nanos, false, started));
            return;
        } else if (lastFailure.isTimeout()) {
            error = ProxyError.of(ErrorCode.BACKEND_TIMEOUT,
                    "The backend for model '" + asked + "' did not answer in time.");
        } else if (lastFailure.kind() == UpstreamFailure.Kind.INVALID_ANSWER) {
            error = ProxyError.of(ErrorCode.INVALID_PROVIDER_RESPONSE,
                    "The backend for model '" + asked + "' answered with a body that cannot be read.");
        } else if (lastFailure.kind() == UpstreamFailure.Kind.CONNECT) {
            // a connection had, then closed or reset before any answer, is a connect error too (a pooled connection
            // the backend closed looks the same), but the message does not say the backend was not reached
            error = ProxyError.of(ErrorCode.BACKEND_CONNECT_ERROR, lastFailure.unconnected()
                    ? "The backend for model '" + asked + "' could not be reached."
                    : "The backend for model '" + asked + "' closed the connection before answering.");
        } else {
            error = ProxyError.of(ErrorCode.BACKEND_HTTP_ERROR,
                    "The backend for model '" + asked + "' failed with HTTP " + lastFailure.status() + ".");
        }
        error.with("model", asked).with("attempts", attemptList);
        if (error.is(ErrorCode.BACKEND_HTTP_ERROR)) {
            error.with("upstream_status", lastFailure.status());
        }
        complete(new UpstreamResult.Failed(error, tried, nanos, false, started));
    }

    private static String reasonOf(UpstreamFailure failure) {
        return failure == null ? "skipped" : Attempt.codeOf(failure);
    }

    /** The failure inside any {@link CompletionException} wrapping it. */
    static Throwable unwrap(Throwable error) {
        Throwable current = error;
        while (current instanceof CompletionException && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }
}
