package dev.sluice.body;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Strict UTF-8 (RFC 3629) for request bodies, which JSON requires (RFC 8259 §8.1): Jackson decodes overlong forms and
 * code points past U+10FFFF, and reads a body in UTF-16 or UTF-32 as such, all of which a backend would then get as
 * bytes it cannot read. A NUL byte is refused too: JSON text never holds one raw, and UTF-16 and UTF-32 always do.
 */
final class Utf8 {

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long HIGH_BITS = 0x8080808080808080L;
    private static final long LOW_BITS = 0x0101010101010101L;

    private Utf8() {
    }

    /** The offset of the first byte that is not strict UTF-8 (or is NUL) in {@code bytes[0, length)}, or -1. */
    static int firstInvalid(byte[] bytes, int length) {
        int i = 0;
        while (i < length) {
            // eight bytes at a time while they are ASCII and none is NUL: a request body is mostly that
            if (i + 8 <= length) {
                long word = (long) LONGS.get(bytes, i);
                if (((word | (word - LOW_BITS)) & HIGH_BITS) == 0) {
                    i += 8;
                    continue;
                }
            }
            int b = bytes[i] & 0xFF;
            if (b < 0x80) {
                if (b == 0) {
                    return i;
                }
                i++;
                continue;
            }
            int extra;
            int min;
            int max = 0xBF;
            if (b >= 0xC2 && b <= 0xDF) {
                extra = 1;
                min = 0x80;
            } else if (b >= 0xE0 && b <= 0xEF) {
                extra = 2;
                min = b == 0xE0 ? 0xA0 : 0x80; // no overlong form
                max = b == 0xED ? 0x9F : 0xBF; // no surrogate
            } else if (b >= 0xF0 && b <= 0xF4) {
                extra = 3;
                min = b == 0xF0 ? 0x90 : 0x80; // no overlong form
                max = b == 0xF4 ? 0x8F : 0xBF; // nothing past U+10FFFF
            } else {
                return i; // a continuation byte first, C0 and C1 (overlong), F5 and above
            }
            if (i + extra >= length) {
                return i; // cut short
            }
            int second = bytes[i + 1] & 0xFF;
            if (second < min || second > max) {
                return i;
            }
            for (int k = 2; k <= extra; k++) {
                if ((bytes[i + k] & 0xC0) != 0x80) {
                    return i;
                }
            }
            i += extra + 1;
        }
        return -1;
    }
}
