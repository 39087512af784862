package dev.sluice.testing;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.concurrent.atomic.AtomicBoolean;

/** The answers a {@link TestBackend} can be told to give. */
public final class Replies {

    /** An Anthropic message saying "Hello!" (usage 9 in, 3 out), as an Anthropic backend answers. */
    public static final String ANTHROPIC_MESSAGE = "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
            + "\"model\":\"claude-x\",\"content\":[{\"type\":\"text\",\"text\":\"Hello!\"}],\"stop_reason\":\"end_turn\","
            + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":9,\"output_tokens\":3}}";

    public static final String CHAT_COMPLETION = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"m\","
            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":7,\"total_tokens\":12}}";

    private Replies() {
    }

    public static TestBackend.Reply json(int status, String body) {
        return (request, received, response) -> response.setStatusCode(status)
                .putHeader("content-type", "application/json").end(body);
    }

    /** A status with a JSON body and extra headers given as name, value, name, value… */
    public static TestBackend.Reply status(int status, String body, String... headers) {
        return (request, received, response) -> {
            response.setStatusCode(status).putHeader("content-type", "application/json");
            for (int i = 0; i + 1 < headers.length; i += 2) {
                response.putHeader(headers[i], headers[i + 1]);
            }
            response.end(body);
        };
    }

    /**
     * A status with a JSON body, gzip-coded (with {@code content-encoding: gzip}) when the request accepts gzip, as
     * OpenAI's API behind its CDN answers.
     */
    public static TestBackend.Reply gzippedWhenAccepted(int status, String body) {
        return (request, received, response) -> {
            response.setStatusCode(status).putHeader("content-type", "application/json");
            String accepted = request.getHeader("accept-encoding");
            if (accepted == null || !accepted.toLowerCase(java.util.Locale.ROOT).contains("gzip")) {
                response.end(body);
                return;
            }
            java.io.ByteArrayOutputStream coded = new java.io.ByteArrayOutputStream();
            try (java.util.zip.GZIPOutputStream gzip = new java.util.zip.GZIPOutputStream(coded)) {
                gzip.write(body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } catch (java.io.IOException impossible) {
                throw new java.io.UncheckedIOException(impossible);
            }
            response.putHeader("content-encoding", "gzip").end(Buffer.buffer(coded.toByteArray()));
        };
    }

    /** An event stream of {@code chunks} data events, {@code gapMillis} apart, then {@code [DONE]}. */
    public static TestBackend.Reply sse(int chunks, long gapMillis) {
        return (request, received, response) -> {
            response.setChunked(true).putHeader("content-type", "text/event-stream");
            sendChunks(response, 0, chunks, gapMillis, -1, new AtomicBoolean());
        };
    }

    /** Like {@link #sse} but the connection is closed after {@code breakAfter} chunks. */
    public static TestBackend.Reply sseBreaking(int chunks, long gapMillis, int breakAfter) {
        return (request, received, response) -> {
            response.setChunked(true).putHeader("content-type", "text/event-stream");
            sendChunks(response, 0, chunks, gapMillis, breakAfter, new AtomicBoolean());
        };
    }

    /**
     * An event stream whose first chunk goes out with the headers and whose connection is closed (a plain close,
     * FIN) in the same tick: the proxy reads the chunk and the close together.
     */
    public static TestBackend.Reply sseClosedAfterFirstChunk() {
        return (request, received, response) -> {
            response.setChunked(true).putHeader("content-type", "text/event-stream");
            response.write(chunk(0));
            request.connection().close();
        };
    }

    /** Like {@link #sse} but the stream stops after {@code stallAfter} chunks and never ends. */
    public static TestBackend.Reply sseStalling(int stallAfter) {
        return (request, received, response) -> {
            // the status line and headers go out at once, as a backend's do, even when no chunk follows
            response.setChunked(true).putHeader("content-type", "text/event-stream").writeHead();
            for (int i = 0; i < stallAfter; i++) {
                response.write(chunk(i));
            }
        };
    }

    /** Headers (200, event stream) at once, then nothing for {@code delayMillis}, then a closed connection. */
    public static TestBackend.Reply headersThenClose(long delayMillis) {
        return (request, received, response) -> {
            response.setChunked(true).putHeader("content-type", "text/event-stream");
            response.write(Buffer.buffer()); // flushes the headers
            TestBackend.vertx().setTimer(delayMillis, t -> request.connection().close());
        };
    }

    /** A 200 that ends with no body byte: a JSON answer of length 0, or an event stream ended before its first event. */
    public static TestBackend.Reply emptyBody(boolean stream) {
        return (request, received, response) -> {
            if (stream) {
                response.setChunked(true).putHeader("content-type", "text/event-stream").end();
            } else {
                response.putHeader("content-type", "application/json").end();
            }
        };
    }

    /** Never answers: the proxy's first-byte timeout must fire. */
    public static TestBackend.Reply stall() {
        return (request, received, response) -> {
        };
    }

    /** Answers after {@code delayMillis}. */
    public static TestBackend.Reply delayed(long delayMillis, TestBackend.Reply then) {
        return (request, received, response) -> TestBackend.vertx().setTimer(delayMillis,
                t -> then.answer(request, received, response));
    }

    /** Closes the connection without answering. */
    public static TestBackend.Reply reset() {
        return (request, received, response) -> request.connection().close();
    }

    /**
     * Resets the connection without answering: a TCP RST (SO_LINGER 0, then close), as a crashing backend or a proxy in
     * front of one sends it, rather than {@link #reset()}'s orderly close.
     */
    public static TestBackend.Reply tcpReset() {
        return (request, received, response) -> {
            io.netty.channel.Channel channel = ((io.vertx.core.net.impl.ConnectionBase) request.connection()).channel();
            channel.config().setOption(io.netty.channel.ChannelOption.SO_LINGER, 0);
            channel.close();
        };
    }

    /**
     * Writes {@code bytes} straight to the connection, past the server's HTTP encoder: answers Vert.x's server API
     * cannot write (an interim {@code 102 Processing}, a body after a {@code 304}).
     */
    public static void writeRaw(HttpServerRequest request, String bytes) {
        io.netty.channel.Channel channel = ((io.vertx.core.net.impl.ConnectionBase) request.connection()).channel();
        channel.pipeline().firstContext().writeAndFlush(
                io.netty.buffer.Unpooled.copiedBuffer(bytes, java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    /** {@code 102 Processing}, then after {@code delayMillis} the final 200: a chat completion saying {@code text}. */
    public static TestBackend.Reply processingThen(long delayMillis, String text) {
        return (request, received, response) -> {
            writeRaw(request, "HTTP/1.1 102 Processing\r\n\r\n");
            TestBackend.vertx().setTimer(delayMillis, t -> response.putHeader("content-type", "application/json")
                    .end(chatCompletionSaying(text)));
        };
    }

    /** A 200 whose body is not JSON. */
    public static TestBackend.Reply garbage() {
        return (request, received, response) -> response.putHeader("content-type", "application/json")
                .end("<html>not json");
    }

    /**
     * A 200 JSON chat completion whose {@code content-length} declares the whole body, but whose connection closes
     * {@code delayMillis} after its first {@code bytes} bytes: a backend that dies half way through a non-streamed
     * answer.
     */
    public static TestBackend.Reply jsonCut(int bytes, long delayMillis) {
        return (request, received, response) -> {
            Buffer body = Buffer.buffer(CHAT_COMPLETION);
            response.putHeader("content-type", "application/json")
                    .putHeader("content-length", Integer.toString(body.length()));
            response.write(body.getBuffer(0, bytes));
            if (delayMillis <= 0) {
                request.connection().close();
            } else {
                TestBackend.vertx().setTimer(delayMillis, t -> request.connection().close());
            }
        };
    }

    /** A 200 JSON chat completion that stops after its first {@code bytes} bytes and never ends. */
    public static TestBackend.Reply jsonStalling(int bytes) {
        return (request, received, response) -> {
            Buffer body = Buffer.buffer(CHAT_COMPLETION);
            response.putHeader("content-type", "application/json")
                    .putHeader("content-length", Integer.toString(body.length()));
            response.write(body.getBuffer(0, bytes));
        };
    }

    /** A 200 JSON chat completion (its whole length declared) sent in {@code parts} pieces, {@code gapMillis} apart. */
    public static TestBackend.Reply jsonInParts(int parts, long gapMillis) {
        int size = (CHAT_COMPLETION.length() + parts - 1) / parts;
        java.util.List<String> pieces = new java.util.ArrayList<>();
        for (int from = 0; from < CHAT_COMPLETION.length(); from += size) {
            pieces.add(CHAT_COMPLETION.substring(from, Math.min(CHAT_COMPLETION.length(), from + size)));
        }
        return inParts(200, "application/json", gapMillis, pieces.toArray(String[]::new));
    }

    /** A JSON answer of {@code status}, its body cut at the offsets {@code cuts}: {@link #inParts}. */
    public static TestBackend.Reply jsonCutAt(int status, String body, long gapMillis, int... cuts) {
        String[] parts = new String[cuts.length + 1];
        int from = 0;
        for (int i = 0; i < cuts.length; i++) {
            parts[i] = body.substring(from, cuts[i]);
            from = cuts[i];
        }
        parts[cuts.length] = body.substring(from);
        return inParts(status, "application/json", gapMillis, parts);
    }

    /**
     * An answer of {@code status} written in {@code parts}, {@code gapMillis} apart (each its own read at the proxy),
     * then ended: an event stream chunked, any other type with its whole length declared.
     */
    public static TestBackend.Reply inParts(int status, String contentType, long gapMillis, String... parts) {
        return (request, received, response) -> {
            response.setStatusCode(status).putHeader("content-type", contentType);
            if (contentType.startsWith("text/event-stream")) {
                response.setChunked(true);
            } else {
                response.putHeader("content-length", Integer.toString(Buffer.buffer(String.join("", parts)).length()));
            }
            writeParts(response, parts, 0, gapMillis);
        };
    }

    private static void writeParts(HttpServerResponse response, String[] parts, int next, long gapMillis) {
        if (response.closed()) {
            return;
        }
        if (next == parts.length - 1) {
            response.end(parts[next]);
            return;
        }
        response.write(parts[next]);
        TestBackend.vertx().setTimer(gapMillis, t -> writeParts(response, parts, next + 1, gapMillis));
    }

    /**
     * Status 200 and the headers of a JSON chat completion (its length declared) at once, then nothing for
     * {@code delayMillis}, then a closed connection: not one byte of the body.
     */
    public static TestBackend.Reply jsonHeadersThenClose(long delayMillis) {
        return (request, received, response) -> {
            response.putHeader("content-type", "application/json")
                    .putHeader("content-length", Integer.toString(Buffer.buffer(CHAT_COMPLETION).length()));
            response.write(Buffer.buffer()); // flushes the headers
            TestBackend.vertx().setTimer(delayMillis, t -> request.connection().close());
        };
    }

    /** Answers with {@code then} once {@code gate} completes (the test says when), not before. */
    public static TestBackend.Reply gated(java.util.concurrent.CompletionStage<?> gate, TestBackend.Reply then) {
        return (request, received, response) -> {
            io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
            gate.whenComplete((done, failed) -> context.runOnContext(go -> {
                if (!response.closed()) {
                    then.answer(request, received, response);
                }
            }));
        };
    }

    /**
     * An event stream whose first chunk goes out at once and whose {@code chunks - 1} others, then {@code [DONE]}, go
     * out once {@code gate} completes.
     */
    public static TestBackend.Reply sseGated(java.util.concurrent.CompletionStage<?> gate, int chunks) {
        return (request, received, response) -> {
            response.setChunked(true).putHeader("content-type", "text/event-stream");
            response.write(chunk(0));
            io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
            gate.whenComplete((done, failed) -> context.runOnContext(go -> {
                if (!response.closed()) {
                    sendChunks(response, 1, chunks, 0, -1, new AtomicBoolean());
                }
            }));
        };
    }

    /**
     * The whole answer — a JSON chat completion, or {@code chunks} events and {@code [DONE]} — then a reset
     * connection instead of the response's proper end (for a stream: no last chunk of the chunked encoding).
     */
    public static TestBackend.Reply wholeThenReset(boolean stream, int chunks) {
        return (request, received, response) -> {
            if (stream) {
                response.setChunked(true).putHeader("content-type", "text/event-stream");
                for (int i = 0; i < chunks; i++) {
                    response.write(chunk(i));
                }
                response.write("data: [DONE]\n\n");
            } else {
                Buffer body = Buffer.buffer(CHAT_COMPLETION);
                response.putHeader("content-type", "application/json")
                        .putHeader("content-length", Integer.toString(body.length()));
                response.write(body);
            }
            TestBackend.vertx().setTimer(20, t -> response.reset());
        };
    }

    /** {@code chunks} events and {@code [DONE]}, then nothing: the stream is never ended (a backend slow to close). */
    public static TestBackend.Reply sseDoneThenStall(int chunks) {
        return (request, received, response) -> {
            response.setChunked(true).putHeader("content-type", "text/event-stream");
            for (int i = 0; i < chunks; i++) {
                response.write(chunk(i));
            }
            response.write("data: [DONE]\n\n");
        };
    }

    /**
     * An answer whose text is {@code text} with its usage (5 prompt, 7 completion tokens): a chat completion, or an
     * event stream of one chunk with the text, then 20 ms later a usage chunk (as {@code stream_options.include_usage}
     * asks) and {@code [DONE]}.
     */
    public static TestBackend.Reply saying(boolean stream, String text) {
        if (!stream) {
            return json(200, chatCompletionSaying(text));
        }
        return (request, received, response) -> {
            String events = streamSaying(text);
            int usage = events.indexOf("\n\n") + 2;
            response.setChunked(true).putHeader("content-type", "text/event-stream").write(events.substring(0, usage));
            TestBackend.vertx().setTimer(20, t -> response.end(events.substring(usage)));
        };
    }

    /** {@link #CHAT_COMPLETION} with {@code text} as its message. */
    public static String chatCompletionSaying(String text) {
        return CHAT_COMPLETION.replace("\"content\":\"hi\"", "\"content\":" + io.vertx.core.json.Json.encode(text));
    }

    /** The event stream {@link #saying} sends. */
    public static String streamSaying(String text) {
        return "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":"
                + io.vertx.core.json.Json.encode(text) + "}}]}\n\n"
                + "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[],"
                + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":7,\"total_tokens\":12}}\n\n"
                + "data: [DONE]\n\n";
    }

    /** The bytes {@link #garbageStream()} sends: one event whose data is not JSON. */
    public static final String GARBAGE_EVENTS = "data: <html>not json\n\n";

    /** A 200 event stream whose one event is not JSON, then its end. */
    public static TestBackend.Reply garbageStream() {
        return (request, received, response) -> response.putHeader("content-type", "text/event-stream")
                .end(GARBAGE_EVENTS);
    }

    public static Buffer chunk(int index) {
        return Buffer.buffer("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                + "\"delta\":{\"content\":\"tok" + index + "\"}}]}\n\n");
    }

    private static void sendChunks(HttpServerResponse response, int index, int chunks, long gapMillis, int breakAfter,
            AtomicBoolean closed) {
        if (breakAfter >= 0 && index == breakAfter) {
            response.reset();
            return;
        }
        if (index == chunks) {
            response.end("data: [DONE]\n\n");
            return;
        }
        response.write(chunk(index));
        if (gapMillis <= 0) {
            sendChunks(response, index + 1, chunks, gapMillis, breakAfter, closed);
        } else {
            TestBackend.vertx().setTimer(gapMillis, t -> {
                if (!response.closed()) {
                    sendChunks(response, index + 1, chunks, gapMillis, breakAfter, closed);
                }
            });
        }
    }

    /** The stream's final line, after a firehose's bytes. */
    public static final String FIREHOSE_END = "\n\ndata: [DONE]\n\n";

    /**
     * Writes {@code total} bytes of event stream as fast as the connection takes them, pausing whenever its write
     * queue is full, then {@link #FIREHOSE_END}; {@code written} counts what was handed to the socket so far.
     */
    public static TestBackend.Reply firehose(long total, java.util.concurrent.atomic.AtomicLong written) {
        return (request, received, response) -> {
            response.setChunked(true).putHeader("content-type", "text/event-stream");
            pump(response, total, written);
        };
    }

    private static void pump(HttpServerResponse response, long total, java.util.concurrent.atomic.AtomicLong written) {
        Buffer block = Buffer.buffer(new byte[16 * 1024]);
        while (written.get() < total && !response.writeQueueFull() && !response.closed()) {
            response.write(block);
            written.addAndGet(block.length());
        }
        if (response.closed()) {
            return;
        }
        if (written.get() >= total) {
            response.end(FIREHOSE_END);
        } else {
            response.drainHandler(v -> pump(response, total, written));
        }
    }

    /**
     * Answers a chat completion after {@code delayMillis}, counting how many requests are being answered at once
     * ({@code active}) and the most ever seen ({@code peak}).
     */
    public static TestBackend.Reply counting(long delayMillis, java.util.concurrent.atomic.AtomicInteger active,
            java.util.concurrent.atomic.AtomicInteger peak) {
        return (request, received, response) -> {
            peak.accumulateAndGet(active.incrementAndGet(), Math::max);
            TestBackend.vertx().setTimer(delayMillis, t -> {
                active.decrementAndGet();
                response.putHeader("content-type", "application/json").end(CHAT_COMPLETION);
            });
        };
    }

    /**
     * Answers requests in the order they arrive at any backend that shares {@code turn}: the first with
     * {@code replies[0]}, the second with {@code replies[1]}, and so on (the last for every further one). Which backend
     * a proxy tries first is random; the order of arrival is not.
     */
    public static TestBackend.Reply inTurn(java.util.concurrent.atomic.AtomicInteger turn, TestBackend.Reply... replies) {
        return (request, received, response) -> replies[Math.min(turn.getAndIncrement(), replies.length - 1)]
                .answer(request, received, response);
    }

    /** Status line and headers at once, then the body (a chat completion with this id) after {@code delayMillis}. */
    public static TestBackend.Reply headersThenBody(long delayMillis, String id) {
        return (request, received, response) -> {
            response.setChunked(true).putHeader("content-type", "application/json");
            response.write(Buffer.buffer()); // flushes the headers
            TestBackend.vertx().setTimer(delayMillis, t -> {
                if (!response.closed()) {
                    response.end(CHAT_COMPLETION.replace("chatcmpl-1", id));
                }
            });
        };
    }

    /** An event stream whose headers come at once and whose {@code chunks} chunks start after {@code delayMillis}. */
    public static TestBackend.Reply sseAfter(long delayMillis, int chunks) {
        return (request, received, response) -> {
            response.setChunked(true).putHeader("content-type", "text/event-stream");
            response.write(Buffer.buffer()); // flushes the headers
            TestBackend.vertx().setTimer(delayMillis, t -> {
                if (!response.closed()) {
                    sendChunks(response, 0, chunks, 0, -1, new AtomicBoolean());
                }
            });
        };
    }
}
