package dev.sluice.demo;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The built-in demo backend: a small OpenAI-compatible server inside the proxy's process, on its own loopback port,
 * that answers chat completions and Responses API requests (JSON and SSE) by echoing the last user message. It
 * exists so that a fresh install answers a {@code curl}, or an SDK's default call, at once; a configuration with
 * models replaces it.
 */
public final class DemoBackend {

    private static final String CHAT_COMPLETIONS = "/v1/chat/completions";
    private static final String RESPONSES = "/v1/responses";
    private static final String GREETING = "Hello from the Sluice demo backend.";

    private final Vertx vertx;
    private HttpServer server;

    public DemoBackend(Vertx vertx) {
        this.vertx = vertx;
    }

    /** Starts listening on 127.0.0.1 ({@code port} 0 picks a free one); blocks until bound. Start-up only. */
    public int start(int port) {
        server = vertx.createHttpServer().requestHandler(request -> request.body().onComplete(body -> {
            HttpServerResponse response = request.response();
            String path = request.path();
            if (!(CHAT_COMPLETIONS.equals(path) || RESPONSES.equals(path)) || body.failed()) {
                response.setStatusCode(404).putHeader("content-type", "application/json")
                        .end(error("The demo backend serves POST " + CHAT_COMPLETIONS + " and " + RESPONSES + " only.")
                                .encode());
                return;
            }
            JsonObject json;
            try {
                json = body.result().toJsonObject();
            } catch (RuntimeException notJson) {
                response.setStatusCode(400).putHeader("content-type", "application/json")
                        .end(error("The request body is not JSON.").encode());
                return;
            }
            if (RESPONSES.equals(path)) {
                DemoResponses.answer(json, response);
            } else {
                answer(json, response);
            }
        }));
        return server.listen(port, "127.0.0.1").toCompletionStage().toCompletableFuture().join().actualPort();
    }

    public void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void answer(JsonObject request, HttpServerResponse response) {
        String model = model(request);
        String prompt = lastUserText(request.getValue("messages"));
        String reply = reply(prompt);
        int promptTokens = tokens(prompt);
        int completionTokens = tokens(reply);
        JsonObject usage = new JsonObject().put("prompt_tokens", promptTokens)
                .put("completion_tokens", completionTokens).put("total_tokens", promptTokens + completionTokens);
        String id = "chatcmpl-demo" + Long.toHexString(ThreadLocalRandom.current().nextLong());
        long created = System.currentTimeMillis() / 1000;
        if (!Boolean.TRUE.equals(request.getValue("stream"))) {
            JsonObject message = new JsonObject().put("role", "assistant").put("content", reply);
            JsonObject completion = new JsonObject().put("id", id).put("object", "chat.completion")
                    .put("created", created).put("model", model)
                    .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("message", message)
                            .put("finish_reason", "stop")))
                    .put("usage", usage);
            response.putHeader("content-type", "application/json").end(completion.toBuffer());
            return;
        }
        response.setChunked(true).putHeader("content-type", "text/event-stream").putHeader("cache-control", "no-cache");
        for (String word : words(reply)) {
            response.write(event(chunk(id, created, model, new JsonObject().put("content", word), null)));
        }
        response.write(event(chunk(id, created, model, new JsonObject(), "stop")));
        JsonObject options = request.getJsonObject("stream_options");
        if (options != null && Boolean.TRUE.equals(options.getValue("include_usage"))) {
            response.write(event(chunk(id, created, model, null, null).put("choices", new JsonArray()).put("usage", usage)));
        }
        response.end("data: [DONE]\n\n");
    }

    private static JsonObject chunk(String id, long created, String model, JsonObject delta, String finishReason) {
        JsonObject chunk = new JsonObject().put("id", id).put("object", "chat.completion.chunk").put("created", created)
                .put("model", model);
        if (delta != null) {
            chunk.put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("delta", delta)
                    .put("finish_reason", finishReason)));
        }
        return chunk;
    }

    private static Buffer event(JsonObject data) {
        return Buffer.buffer("data: ").appendBuffer(data.toBuffer()).appendString("\n\n");
    }

    /** The model the request names, {@code demo} when it names none. */
    static String model(JsonObject request) {
        return request.getValue("model") instanceof String name ? name : "demo";
    }

    /** The echo of the prompt, or a greeting for an empty one. */
    static String reply(String prompt) {
        return prompt.isEmpty() ? GREETING : prompt;
    }

    /** A rough count: four characters a token. */
    static int tokens(String text) {
        return (text.length() + 3) / 4;
    }

    /** The reply as the pieces a stream sends: word by word, each with the space after it. */
    static String[] words(String reply) {
        return reply.split("(?<= )");
    }

    /**
     * The text of the last user message (of chat {@code messages} or of Responses {@code input} items): a string, or
     * the text parts of a content array.
     */
    static String lastUserText(Object messages) {
        if (!(messages instanceof JsonArray list)) {
            return "";
        }
        for (int i = list.size() - 1; i >= 0; i--) {
            if (list.getValue(i) instanceof JsonObject message && "user".equals(message.getValue("role"))) {
                Object content = message.getValue("content");
                if (content instanceof String text) {
                    return text;
                }
                if (content instanceof JsonArray parts) {
                    StringBuilder text = new StringBuilder();
                    for (Object part : parts) {
                        if (part instanceof JsonObject object && object.getValue("text") instanceof String piece) {
                            text.append(piece);
                        }
                    }
                    return text.toString();
                }
            }
        }
        return "";
    }

    private static JsonObject error(String message) {
        return new JsonObject().put("error", new JsonObject().put("message", message).put("type", "invalid_request_error"));
    }

}
