package dev.sluice.pipeline;

import dev.sluice.api.Endpoint;
import dev.sluice.control.ControlPlane;
import dev.sluice.cors.CorsPolicy;
import dev.sluice.edge.ClosingConnections;
import dev.sluice.error.ProxyError;
import dev.sluice.wire.RequestIds;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.HttpUtils;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The request path for everything under {@code /v1}, top to bottom. A request gets its id, then runs these stages
 * in order (contract §5), each deciding to go on, to answer, or to relay the backend's answer:
 *
 * <ol>
 *   <li>{@link EndpointStage} — path and method (404, 405)</li>
 *   <li>{@link KeyStage} — key and account (401, 403)</li>
 *   <li>{@link OwnEndpointsStage} — {@code GET /v1/models} and {@code GET /v1/usage}, answered here</li>
 *   <li>{@link BodyStage} — size, media type, body read and scanned once (413, 415, 400)</li>
 *   <li>{@link ShapeStage} — schema and tools (422, 400)</li>
 *   <li>{@link ModelStage} — model, parameters, context length (404, 400)</li>
 *   <li>{@link AdmissionStage} — the account's limits, one store round trip (429, 402)</li>
 *   <li>{@link ForwardStage} — backends, retries, fallbacks (the §6 errors)</li>
 * </ol>
 *
 * then {@link Relay} copies the backend's answer to the client, and {@link Finish} ends the request, once, whatever
 * ended it. A Vert.x route rather than a JAX-RS resource so that the body is read once into one array and the answer
 * is streamed through without an intermediate copy.
 *
 * <p>Everything runs on the event loop of the client's connection; stages that wait complete there.
 */
@Singleton
public class RequestPipeline {

    private static final Logger LOGGER = Logger.getLogger(RequestPipeline.class);

    private final Stage[] stages;
    private final Finish finish;
    private final InFlight inFlight;
    private final Vertx vertx;
    private final ControlPlane control;
    private final CorsPolicy cors;

    RequestPipeline(EndpointStage endpoint, KeyStage key, OwnEndpointsStage ownEndpoints, BodyStage body,
            ShapeStage shape, ModelStage model, AdmissionStage admission, ForwardStage forward, Finish finish,
            InFlight inFlight, Vertx vertx, ControlPlane control, CorsPolicy cors) {
        this.control = control;
        this.cors = cors;
        this.stages = List.of(endpoint, key, ownEndpoints, body, shape, model, admission, forward).toArray(Stage[]::new);
        this.finish = finish;
        this.inFlight = inFlight;
        this.vertx = vertx;
    }

    void register(@Observes Router router) {
        // A route without a path, its prefix checked here: a path pattern costs a regex Matcher on every request.
        router.route().order(-1000).handler(context -> {
            if (ClosingConnections.marked(context.request().connection())) {
                // sent after an answer that said the connection closes: not read, answered or counted
                context.request().connection().close();
                return;
            }
            if (underV1(context.normalisedPath())) {
                handle(context);
            } else {
                context.next();
            }
        });
    }

    /** {@code /v1} and every path under {@code /v1/}, as the router normalised it (the paths this route serves). */
    static boolean underV1(String normalisedPath) {
        return normalisedPath.startsWith("/v1") && (normalisedPath.length() == 3 || normalisedPath.charAt(3) == '/');
    }

    /**
     * Answers a request the connection guard refused while reading its head (contract §12) through the one finish, so
     * that it is counted and written to the access log as every other answer: {@code clientPath} and
     * {@code clientMethod} are what the client sent, when its request line could be read (else null).
     */
    public void refuse(HttpServerRequest standIn, String clientMethod, String clientPath, ProxyError error) {
        String requestId = RequestIds.resolve(standIn.headers().getAll(RequestIds.HEADER));
        boolean anthropic = clientPath != null && Endpoint.anthropicPath(normalised(clientPath));
        standIn.response().headers().set(RequestIds.HEADER, requestId);
        if (anthropic) {
            standIn.response().headers().set("request-id", requestId);
        }
        Exchange exchange = new Exchange(standIn, requestId, clientPath, null, anthropic, control.generation());
        exchange.asSent(clientMethod, clientPath);
        finish.fail(exchange, error, null);
    }

    /**
     * A refused head's path as the router would have normalised it, so that its envelope is chosen as for a request
     * that got through ({@link #handle}); the path as sent when even that cannot be read (a broken escape).
     */
    private static String normalised(String clientPath) {
        try {
            return HttpUtils.normalizePath(clientPath);
        } catch (RuntimeException unreadable) {
            return clientPath;
        }
    }

    void handle(RoutingContext context) {
        HttpServerRequest request = context.request();
        // the endpoint as the router normalised the path (RFC 3986 dot segments, repeated slashes, escaped letters):
        // a client whose base URL ends in a slash sends //v1/…, and nginx in front would have merged it too
        String path = context.normalisedPath();
        // the first value, as getAll(…).get(0) gives it, without a list per request
        String requestId = RequestIds.resolve(request.headers().get(RequestIds.HEADER));
        boolean anthropic = Endpoint.anthropicPath(path);
        request.response().headers().set(RequestIds.HEADER, requestId);
        if (anthropic) {
            request.response().headers().set("request-id", requestId);
        }
        if (inFlight.draining()) {
            // shutting down: answer this request, then let the client reconnect to another instance
            request.response().headers().set("connection", "close");
        }
        Exchange exchange = new Exchange(request, requestId, path, Endpoint.byPath(path), anthropic,
                control.generation());
        if (cors.enabled()) {
            // set now, so that every answer carries them: errors, own answers, relayed ones and streams
            exchange.allowOrigin(cors.apply(request.response().headers(), request.headers().get("origin")));
        }
        inFlight.add(exchange);
        request.response().closeHandler(closed -> exchange.clientWentAway());
        run(exchange, 0);
    }

    /** Runs the stages from {@code first} on, synchronously while they decide at once. */
    private void run(Exchange exchange, int first) {
        for (int i = first; i < stages.length; i++) {
            if (exchange.clientGone()) {
                finish.clientGone(exchange, List.of(), 0);
                return;
            }
            Future<Step> step;
            try {
                step = stages[i].apply(exchange);
            } catch (ProxyError error) {
                finish.fail(exchange, error, null);
                return;
            } catch (RuntimeException unexpected) {
                failUnexpectedly(exchange, unexpected);
                return;
            }
            if (!step.isComplete()) {
                int next = i + 1;
                step.onComplete(decided -> resume(exchange, next, decided));
                return;
            }
            if (!(step.succeeded() && step.result() instanceof Step.Next)) {
                conclude(exchange, step);
                return;
            }
        }
    }

    private void resume(Exchange exchange, int next, AsyncResult<Step> decided) {
        if (Vertx.currentContext() != exchange.context()) {
            // Redis answers on its connection's event loop: come back to the request's own
            exchange.context().runOnContext(back -> resume(exchange, next, decided));
            return;
        }
        if (decided.succeeded() && decided.result() instanceof Step.Next) {
            run(exchange, next);
        } else {
            conclude(exchange, decided);
        }
    }

    /** Acts on a stage's final decision: an answer, an error, or the backend's answer to relay. */
    private void conclude(Exchange exchange, AsyncResult<Step> decided) {
        if (decided.failed()) {
            Throwable failure = decided.cause();
            if (failure instanceof ProxyError error) {
                finish.fail(exchange, error, null);
            } else if (exchange.clientGone() || !exchange.request().isEnded()) {
                // the client's connection failed while its body was being read: nobody is left to answer
                exchange.clientWentAway();
                finish.clientGone(exchange, List.of(), 0);
            } else {
                failUnexpectedly(exchange, failure);
            }
            return;
        }
        Step step = decided.result();
        if (step instanceof Step.Fail fail) {
            finish.fail(exchange, fail.error(), fail.upstream());
        } else if (step instanceof Step.Answer answer) {
            finish.answer(exchange, answer.json());
        } else if (step instanceof Step.NoContent noContent) {
            finish.noContent(exchange, noContent.headers());
        } else if (step instanceof Step.RelayAnswer relayed) {
            Relay relay = new Relay(vertx, finish, exchange, relayed.result());
            exchange.relay(relay);
            relay.start();
        }
    }

    private void failUnexpectedly(Exchange exchange, Throwable unexpected) {
        LOGGER.errorf(unexpected, "request_id=%s unexpected failure", exchange.requestId());
        finish.fail(exchange, Answers.unexpected(), null);
    }
}
