package dev.sluice.body;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class Utf8Test {

    private static int firstInvalid(byte... bytes) {
        return Utf8.firstInvalid(bytes, bytes.length);
    }

    private static byte[] bytes(int... values) {
        byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            bytes[i] = (byte) values[i];
        }
        return bytes;
    }

    @Test
    void wellFormedTextPasses() {
        byte[] text = "{\"model\":\"m\",\"text\":\"é ü ✓ 𝄞 日本\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(Utf8.firstInvalid(text, text.length)).isEqualTo(-1);
        assertThat(firstInvalid(bytes(0xF4, 0x8F, 0xBF, 0xBF))).isEqualTo(-1); // U+10FFFF, the last code point
        assertThat(firstInvalid(bytes(0xEF, 0xBF, 0xBF))).isEqualTo(-1); // U+FFFF
    }

    @Test
    void overlongFormsSurrogatesAndCodePointsPastTheLastAreRefused() {
        assertThat(firstInvalid(bytes('a', 0xC0, 0xAF))).isEqualTo(1);
        assertThat(firstInvalid(bytes(0xC1, 0xBF))).isZero();
        assertThat(firstInvalid(bytes(0xE0, 0x80, 0xAF))).isZero();
        assertThat(firstInvalid(bytes(0xF0, 0x80, 0x80, 0xAF))).isZero();
        assertThat(firstInvalid(bytes(0xED, 0xA0, 0x80))).isZero(); // U+D800
        assertThat(firstInvalid(bytes(0xF4, 0x90, 0x80, 0x80))).isZero(); // U+110000
        assertThat(firstInvalid(bytes(0xF5, 0x80, 0x80, 0x80))).isZero();
        assertThat(firstInvalid(bytes(0xFF))).isZero();
        assertThat(firstInvalid(bytes(0x80))).isZero();
        assertThat(firstInvalid(bytes('x', 0xC3))).isEqualTo(1); // cut short
        assertThat(firstInvalid(bytes(0xE2, 0x9C, 'x'))).isZero();
    }

    @Test
    void utf16AndUtf32AreRefusedByTheirNulBytesWhereverTheyStart() {
        for (String charset : new String[] {"UTF-16LE", "UTF-16BE", "UTF-32LE", "UTF-32BE"}) {
            byte[] text = "{\"model\":\"m\",\"messages\":[]}".getBytes(java.nio.charset.Charset.forName(charset));
            assertThat(Utf8.firstInvalid(text, text.length)).as(charset).isBetween(0, 3);
        }
        // a NUL in the middle of a long ASCII run, whatever its place in an eight-byte word
        for (int at = 0; at < 24; at++) {
            byte[] text = "x".repeat(24).getBytes(StandardCharsets.US_ASCII);
            text[at] = 0;
            assertThat(Utf8.firstInvalid(text, text.length)).isEqualTo(at);
        }
    }

    @Property(tries = 500)
    void agreesWithTheJdksStrictDecoder(@ForAll byte[] bytes) {
        boolean jdkValid;
        try {
            StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes));
            jdkValid = true;
        } catch (java.nio.charset.CharacterCodingException e) {
            jdkValid = false;
        }
        boolean hasNul = new String(bytes, StandardCharsets.ISO_8859_1).indexOf('\0') >= 0;
        assertThat(Utf8.firstInvalid(bytes, bytes.length) < 0).isEqualTo(jdkValid && !hasNul);
    }

    @Property(tries = 300)
    void agreesWithTheJdkOnText(@ForAll String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8); // unpaired surrogates become '?'
        boolean hasNul = text.indexOf('\0') >= 0;
        assertThat(Utf8.firstInvalid(bytes, bytes.length) < 0).isEqualTo(!hasNul);
    }
}
