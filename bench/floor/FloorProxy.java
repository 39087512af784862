import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * The floor of the benchmark's `floor` scenario: the least an HTTP/1.1 reverse proxy on Sluice's own stack does (the
 * Vert.x and Netty of its build, epoll, one server and one keep-alive client per event loop), and nothing else. It
 * reads the client's body whole (as Sluice does before it routes), sends it with the client's headers but the
 * hop-by-hop ones, and relays the backend's status, headers and body as they come. No auth, limits, checks, access
 * log, metrics, request id or breaker: what Sluice costs above this is what its features cost.
 *
 * Run (bench/run.sh floor does): java -cp 'target/quarkus-app/lib/main/*' bench/floor/FloorProxy.java PORT BACKEND_PORT
 */
public class FloorProxy extends AbstractVerticle {
    private final int port;
    private final int backendPort;
    private HttpClient backend;

    FloorProxy(int port, int backendPort) {
        this.port = port;
        this.backendPort = backendPort;
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        int backendPort = Integer.parseInt(args[1]);
        // Quarkus' default: two event loops per core
        int loops = 2 * Runtime.getRuntime().availableProcessors();
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(loops));
        // the event-loop threads keep the JVM running after main returns
        vertx.deployVerticle(() -> new FloorProxy(port, backendPort), new DeploymentOptions().setInstances(loops))
            .onComplete(done -> System.out.println("floor proxy on 127.0.0.1:" + port + " (native transport: "
                + vertx.isNativeTransportEnabled() + ", " + loops + " event loops) -> 127.0.0.1:" + backendPort
                + (done.failed() ? " FAILED: " + done.cause() : "")));
    }

    @Override
    public void start() {
        backend = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setDefaultHost("127.0.0.1")
            .setDefaultPort(backendPort), new PoolOptions().setHttp1MaxSize(64));
        vertx.createHttpServer().requestHandler(this::relay)
            .listen(port, "127.0.0.1");
    }

    private void relay(HttpServerRequest request) {
        HttpServerResponse response = request.response();
        request.body()
            .compose(body -> backend.request(new RequestOptions().setMethod(request.method()).setURI(request.uri()))
                .compose(call -> {
                    copyEndToEnd(request.headers(), call.headers());
                    return call.send(body);
                }))
            .onSuccess(answer -> {
                response.setStatusCode(answer.statusCode());
                copyEndToEnd(answer.headers(), response.headers());
                // a stream (no length) goes out chunked, as the backend sent it
                response.setChunked(!response.headers().contains(HttpHeaders.CONTENT_LENGTH));
                answer.pipeTo(response);
            })
            .onFailure(failure -> {
                if (!response.headWritten()) {
                    response.setStatusCode(502).end();
                }
            });
    }

    private static void copyEndToEnd(MultiMap from, MultiMap to) {
        from.forEach(header -> {
            String name = header.getKey();
            if (!name.equalsIgnoreCase("host") && !name.equalsIgnoreCase("connection")
                && !name.equalsIgnoreCase("keep-alive") && !name.equalsIgnoreCase("transfer-encoding")) {
                to.add(name, header.getValue());
            }
        });
    }
}
