package dev.sluice.testing;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Fires many requests at once at the proxy (a Vert.x client, one connection per request) and collects the answers. */
public final class Concurrent {

    /** One answer: status, error code (or null) and body. */
    public record Answer(int status, String code, String body) {
    }

    private Concurrent() {
    }

    public static List<Answer> post(int port, int count, String path, String key, String body) throws Exception {
        HttpClient client = TestBackend.vertx().createHttpClient(new HttpClientOptions().setKeepAlive(false),
                new PoolOptions().setHttp1MaxSize(count));
        try {
            List<Future<Answer>> answers = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
                        .setURI(path).putHeader("authorization", "Bearer " + key)
                        .putHeader("content-type", "application/json");
                answers.add(ClientCalls.read(client, options, body).map(answered -> {
                    String text = answered.body().toString();
                    String code = null;
                    if (answered.status() >= 400) {
                        code = new JsonObject(text).getJsonObject("error").getString("code");
                    }
                    return new Answer(answered.status(), code, text);
                }));
            }
            List<Answer> results = new ArrayList<>();
            for (Future<Answer> answer : answers) {
                results.add(answer.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            client.close();
        }
    }
}
