package dev.sluice.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class ContentCodingsTest {

    private static final String ERROR = "{\"error\":{\"message\":\"temperature must be at most 2\"}}";

    @Test
    void anAcceptEncodingOfReadableCodingsPassesAsItIs() {
        String value = "gzip, deflate";
        assertThat(ContentCodings.readable(value)).isSameAs(value);
        assertThat(ContentCodings.readable("GZIP;q=1.0, identity;q=0.5")).isEqualTo("GZIP;q=1.0, identity;q=0.5");
        assertThat(ContentCodings.readable("x-gzip")).isEqualTo("x-gzip");
    }

    @Test
    void codingsTheProxyCannotDecodeStayBehindWithTheirQualities() {
        // what browsers, curl --compressed and Python's httpx with brotli installed send
        assertThat(ContentCodings.readable("gzip, deflate, br")).isEqualTo("gzip, deflate");
        assertThat(ContentCodings.readable("br;q=1.0, gzip;q=0.8, *;q=0.1")).isEqualTo("gzip;q=0.8");
        assertThat(ContentCodings.readable("zstd, br, gzip")).isEqualTo("gzip");
        assertThat(ContentCodings.readable("gzip, , br")).isEqualTo("gzip");
    }

    @Test
    void nothingReadableLeftMeansNoHeader() {
        assertThat(ContentCodings.readable("br")).isNull();
        assertThat(ContentCodings.readable("*")).isNull();
        assertThat(ContentCodings.readable("zstd;q=1, br;q=0.9")).isNull();
        assertThat(ContentCodings.readable("")).isNull();
        // "only br": identity refused, and the proxy cannot offer br; uncoded is what the backend can send
        assertThat(ContentCodings.readable("br, identity;q=0")).isNull();
        assertThat(ContentCodings.readable("identity")).isNull();
        assertThat(ContentCodings.readable(null)).isNull();
    }

    @Test
    void decodesGzipAndBothFormsOfDeflate() throws IOException {
        assertThat(text(ContentCodings.decoded("gzip", gzip(ERROR), 1024))).isEqualTo(ERROR);
        assertThat(text(ContentCodings.decoded(" X-GZIP ", gzip(ERROR), 1024))).isEqualTo(ERROR);
        assertThat(text(ContentCodings.decoded("deflate", deflate(ERROR, false), 1024))).isEqualTo(ERROR);
        assertThat(text(ContentCodings.decoded("deflate", deflate(ERROR, true), 1024))).isEqualTo(ERROR);
    }

    @Test
    void anUncodedUnknownOrUndecodableBodyIsGivenBackAsItIs() throws IOException {
        Buffer plain = Buffer.buffer(ERROR);
        assertThat(ContentCodings.decoded(null, plain, 1024)).isSameAs(plain);
        assertThat(ContentCodings.decoded("identity", plain, 1024)).isSameAs(plain);
        Buffer brotli = Buffer.buffer(new byte[] {0x1b, 0x2c, 0x00, 0x00});
        assertThat(ContentCodings.decoded("br", brotli, 1024)).isSameAs(brotli);
        // labelled gzip, but not
        assertThat(ContentCodings.decoded("gzip", plain, 1024)).isSameAs(plain);
        assertThat(ContentCodings.decoded("deflate", plain, 1024)).isSameAs(plain);
    }

    @Test
    void decodesNoMoreThanTheLimitAndWhatATruncatedBodyHolds() throws IOException {
        String large = "x".repeat(100_000);
        Buffer limited = ContentCodings.decoded("gzip", gzip(large), 4096);
        assertThat(limited.length()).isEqualTo(4096);

        byte[] whole = gzip(large).getBytes();
        Buffer cut = Buffer.buffer(Arrays.copyOf(whole, whole.length / 2));
        Buffer partial = ContentCodings.decoded("gzip", cut, 200_000);
        assertThat(partial.length()).isPositive().isLessThan(100_000);
        assertThat(text(partial)).matches("x+");
    }

    private static Buffer gzip(String text) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return Buffer.buffer(out.toByteArray());
    }

    private static Buffer deflate(String text, boolean raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, raw);
        try (DeflaterOutputStream deflate = new DeflaterOutputStream(out, deflater)) {
            deflate.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return Buffer.buffer(out.toByteArray());
    }

    private static String text(Buffer buffer) {
        return buffer.toString(StandardCharsets.UTF_8);
    }
}
