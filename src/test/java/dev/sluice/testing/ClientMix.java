package dev.sluice.testing;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.PoolOptions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Requests as the clients users run send them, many at once: a load generator's bare headers, the OpenAI and
 * Anthropic SDKs' (with the names in the case each writes them), curl's; chat completions and messages, JSON and
 * streams, with a chat body of the size the benchmark sends. {@link #send} cycles through {@link #KINDS} on a few
 * connections and returns what was not answered whole.
 */
public final class ClientMix {

    /** One kind of request: where it goes, the headers its client adds, its body, and how its whole answer ends. */
    public record Kind(String name, String path, Map<String, String> headers, String body, String answerEnd) {
    }

    private static final String SYSTEM = "You are a helpful assistant. ".repeat(20).trim();
    private static final String TEXT = "Please summarize the following text in one sentence: "
            + "The quick brown fox jumps over the lazy dog. ".repeat(12).trim();

    /** A chat request of about 1.3 KB, as the benchmark's body; {@code stream} as the client asks. */
    public static String chatBody(boolean stream) {
        return "{\"model\":\"chat\",\"messages\":[{\"role\":\"system\",\"content\":\"" + SYSTEM + "\"},"
                + "{\"role\":\"user\",\"content\":\"" + TEXT + "\"}],\"temperature\":0.2,\"max_tokens\":64,"
                + "\"stream\":" + stream + "}";
    }

    /** The same conversation as an Anthropic Messages request. */
    public static String messagesBody(boolean stream) {
        return "{\"model\":\"chat\",\"max_tokens\":64,\"system\":\"" + SYSTEM + "\",\"messages\":[{\"role\":\"user\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"" + TEXT + "\"}]}]" + (stream ? ",\"stream\":true" : "")
                + "}";
    }

    // the headers as captured from each client's requests (the SDKs: OpenAI Node 6.49, Anthropic Node 1.16)
    private static final Map<String, String> OPENAI_SDK = Map.ofEntries(Map.entry("accept", "application/json"),
            Map.entry("user-agent", "OpenAI/JS 6.49.0"), Map.entry("x-stainless-retry-count", "0"),
            Map.entry("x-stainless-lang", "js"), Map.entry("x-stainless-package-version", "6.49.0"),
            Map.entry("x-stainless-os", "Linux"), Map.entry("x-stainless-arch", "x64"),
            Map.entry("x-stainless-runtime", "node"), Map.entry("x-stainless-runtime-version", "v20.20.2"),
            Map.entry("accept-language", "*"), Map.entry("sec-fetch-mode", "cors"),
            Map.entry("accept-encoding", "gzip, deflate"), Map.entry("connection", "keep-alive"));
    private static final Map<String, String> ANTHROPIC_SDK = Map.ofEntries(Map.entry("Accept", "application/json"),
            Map.entry("User-Agent", "Anthropic/JS 1.16.0"), Map.entry("X-Stainless-Retry-Count", "0"),
            Map.entry("X-Stainless-Timeout", "600"), Map.entry("X-Stainless-Lang", "js"),
            Map.entry("X-Stainless-Package-Version", "1.16.0"), Map.entry("X-Stainless-OS", "Linux"),
            Map.entry("X-Stainless-Arch", "x64"), Map.entry("X-Stainless-Runtime", "node"),
            Map.entry("X-Stainless-Runtime-Version", "v20.20.2"), Map.entry("anthropic-version", "2023-06-01"),
            Map.entry("accept-language", "*"), Map.entry("sec-fetch-mode", "cors"),
            Map.entry("accept-encoding", "gzip, deflate"), Map.entry("connection", "keep-alive"));
    private static final Map<String, String> LOAD_GENERATOR = Map.of("user-agent", "hey/0.0.1",
            "accept-encoding", "gzip");
    private static final Map<String, String> CURL = Map.of("User-Agent", "curl/8.5.0", "Accept", "*/*");

    private static final String OPENAI_STREAM_END = "data: [DONE]\n\n";
    private static final String ANTHROPIC_STREAM_END = "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

    public static final List<Kind> KINDS = List.of(
            new Kind("bare", "/v1/chat/completions", Map.of(), chatBody(false), "}"),
            new Kind("load generator", "/v1/chat/completions", LOAD_GENERATOR, chatBody(false), "}"),
            new Kind("OpenAI SDK", "/v1/chat/completions", OPENAI_SDK, chatBody(false), "}"),
            new Kind("OpenAI SDK stream", "/v1/chat/completions", OPENAI_SDK, chatBody(true), OPENAI_STREAM_END),
            new Kind("curl", "/v1/chat/completions", CURL, chatBody(false), "}"),
            new Kind("Anthropic SDK", "/v1/messages", ANTHROPIC_SDK, messagesBody(false), "}"),
            new Kind("Anthropic SDK stream", "/v1/messages", ANTHROPIC_SDK, messagesBody(true),
                    ANTHROPIC_STREAM_END));

    /** A backend's answer to every kind: an event stream of four chunks 1 ms apart when asked for one, else JSON. */
    public static TestBackend.Reply backendReply() {
        TestBackend.Reply stream = Replies.sse(4, 1);
        TestBackend.Reply json = Replies.json(200, Replies.CHAT_COMPLETION);
        return (request, body, response) -> (body.toString().contains("\"stream\":true") ? stream : json)
                .answer(request, body, response);
    }

    /**
     * Sends {@code total} requests to {@code port} with {@code key}, {@code inFlight} at a time on as many connections,
     * kind after kind, and returns one line for each request not answered 200 with its whole answer.
     */
    public static List<String> send(int port, String key, int total, int inFlight, long timeoutSeconds)
            throws Exception {
        HttpClient client = TestBackend.vertx().createHttpClient(new HttpClientOptions().setDefaultPort(port)
                .setDefaultHost("127.0.0.1"), new PoolOptions().setHttp1MaxSize(inFlight));
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger next = new AtomicInteger();
        AtomicInteger lanesLeft = new AtomicInteger(inFlight);
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            for (int lane = 0; lane < inFlight; lane++) {
                sendNext(client, key, total, next, failures, () -> {
                    if (lanesLeft.decrementAndGet() == 0) {
                        done.complete(null);
                    }
                });
            }
            done.get(timeoutSeconds, TimeUnit.SECONDS);
            return List.copyOf(failures);
        } finally {
            client.close();
        }
    }

    private static void sendNext(HttpClient client, String key, int total, AtomicInteger next,
            ConcurrentLinkedQueue<String> failures, Runnable laneDone) {
        int index = next.getAndIncrement();
        if (index >= total) {
            laneDone.run();
            return;
        }
        Kind kind = KINDS.get(index % KINDS.size());
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(kind.headers())
                .add("content-type", "application/json");
        if (kind.path().equals("/v1/messages") && index % 2 == 0) {
            headers.add("x-api-key", key);   // the Anthropic SDK sends its key as x-api-key or, as an auth token, a bearer
        } else {
            headers.add("authorization", "Bearer " + key);
        }
        client.request(new RequestOptions().setMethod(HttpMethod.POST).setURI(kind.path()).setHeaders(headers))
                .compose(request -> request.send(Buffer.buffer(kind.body())))
                .compose(response -> response.body().map(body -> response.statusCode() == 200
                        && body.toString().endsWith(kind.answerEnd()) ? null
                                : kind.name() + ": " + response.statusCode() + " " + body))
                .recover(failure -> Future.succeededFuture(kind.name() + ": " + failure))
                .onComplete(result -> {
                    if (result.result() != null) {
                        failures.add(result.result());
                    }
                    sendNext(client, key, total, next, failures, laneDone);
                });
    }

    private ClientMix() {
    }
}
