package dev.sluice.wire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.error.ProxyError;
import dev.sluice.testing.RawHttp;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.buffer.impl.VertxByteBufAllocator;
import io.vertx.core.http.HttpServer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The body as the client sent it, however it is cut on the way: one piece (taken over without a copy), pieces of a
 * declared length, chunked transfer coding, nothing; and 413 as soon as a body without a declared length grows past
 * the limit. A real Vert.x server echoes what {@link BodyReader} read, with the array's spare room.
 */
class BodyReaderTest {

    private static final long LIMIT = 4096;
    private static Vertx vertx;
    private static int port;

    @BeforeAll
    static void startServer() throws Exception {
        vertx = Vertx.vertx();
        HttpServer server = vertx.createHttpServer().requestHandler(request -> {
            request.pause();
            BodyReader.read(request, LIMIT).onComplete(read -> {
                if (read.failed()) {
                    ProxyError error = (ProxyError) read.cause();
                    request.response().setStatusCode(error.status()).end(error.code());
                    return;
                }
                BodyReader body = read.result();
                request.response().putHeader("x-spare", Integer.toString(body.bytes().length - body.length()))
                        .end(Buffer.buffer().appendBytes(body.bytes(), 0, body.length()));
            });
        });
        port = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
                .actualPort();
    }

    @AfterAll
    static void stopServer() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static String post(String framing, String body) {
        return "POST /v1/chat/completions HTTP/1.1\r\nhost: sluice\r\ncontent-type: application/json\r\n" + framing
                + "\r\n" + body;
    }

    private static String bodyOf(int size) {
        StringBuilder text = new StringBuilder("{\"model\":\"m\",\"pad\":\"");
        while (text.length() < size - 2) {
            text.append((char) ('a' + text.length() % 26));
        }
        return text.append("\"}").toString();
    }

    @Test
    void aBodyInOnePieceIsReadWhole() {
        String body = bodyOf(1315);
        try (RawHttp http = RawHttp.connect(port)) {
            RawHttp.Answer answer = http.send(post("content-length: " + body.length() + "\r\n", body)).read();

            assertReadExactly(answer, body);
        }
    }

    @Test
    void aBodyOfDeclaredLengthInPiecesIsPutTogether() throws InterruptedException {
        String body = bodyOf(3000);
        try (RawHttp http = RawHttp.connect(port)) {
            http.send(post("content-length: " + body.length() + "\r\n", ""));
            RawHttp.Answer answer = http.trickle(body, 5, 30).read();

            assertReadExactly(answer, body);
        }
    }

    /** The body as sent, in an array of exactly its declared length. */
    private static void assertReadExactly(RawHttp.Answer answer, String body) {
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo(body);
        assertThat(answer.header("x-spare")).isEqualTo("0");
    }

    @Test
    void aChunkedBodyIsPutTogether() throws InterruptedException {
        String body = bodyOf(2500);
        StringBuilder chunked = new StringBuilder();
        for (int at = 0; at < body.length(); at += 1000) {
            String piece = body.substring(at, Math.min(body.length(), at + 1000));
            chunked.append(Integer.toHexString(piece.length())).append("\r\n").append(piece).append("\r\n");
        }
        chunked.append("0\r\n\r\n");
        try (RawHttp http = RawHttp.connect(port)) {
            http.send(post("transfer-encoding: chunked\r\n", ""));
            RawHttp.Answer answer = http.trickle(chunked.toString(), 4, 30).read();

            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.body()).isEqualTo(body);
        }
    }

    @Test
    void anEmptyBodyIsEmpty() {
        try (RawHttp http = RawHttp.connect(port)) {
            RawHttp.Answer answer = http.send(post("content-length: 0\r\n", "")).read();

            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.body()).isEmpty();
        }
    }

    @Test
    void aChunkedBodyPastTheLimitIsRefusedAsItGrows() {
        String chunk = "a".repeat(1500);
        String twoChunks = "5dc\r\n" + chunk + "\r\n5dc\r\n" + chunk + "\r\n";
        try (RawHttp http = RawHttp.connect(port)) {
            // 3,000 bytes so far, then 1,500 more: past the 4,096 limit before the body's end is sent
            RawHttp.Answer answer = http.send(post("transfer-encoding: chunked\r\n", twoChunks))
                    .send("5dc\r\n" + chunk + "\r\n").read();

            assertThat(answer.status()).isEqualTo(413);
            assertThat(answer.body()).isEqualTo("request_too_large");
        }
    }

    @Test
    void onlyAnArrayThatHoldsExactlyTheChunkFromVertxsOwnAllocatorIsTakenOver() {
        byte[] text = "{\"model\":\"m\"}".getBytes(StandardCharsets.UTF_8);
        ByteBuf vertxCopy = VertxByteBufAllocator.DEFAULT.heapBuffer(text.length).writeBytes(text);
        assertThat(BodyReader.ownArray(Buffer.buffer(vertxCopy))).isSameAs(vertxCopy.array());

        ByteBuf roomy = VertxByteBufAllocator.DEFAULT.heapBuffer(text.length * 2).writeBytes(text);
        assertThat(BodyReader.ownArray(Buffer.buffer(roomy))).as("an array longer than the chunk").isNull();
        ByteBuf read = VertxByteBufAllocator.DEFAULT.heapBuffer(text.length + 1).writeByte(' ').writeBytes(text);
        read.readByte();
        assertThat(BodyReader.ownArray(Buffer.buffer(read))).as("a chunk that starts inside its array").isNull();
        assertThat(BodyReader.ownArray(Buffer.buffer(Unpooled.wrappedBuffer(text))))
                .as("an array someone else allocated").isNull();
        assertThat(BodyReader.ownArray(Buffer.buffer(Unpooled.directBuffer(text.length).writeBytes(text))))
                .as("a direct buffer").isNull();
    }
}
