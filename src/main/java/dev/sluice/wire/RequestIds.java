package dev.sluice.wire;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** Request ids as contract §2 defines them. */
public final class RequestIds {

    public static final String HEADER = "x-request-id";
    private static final int MAX_CLIENT_LENGTH = 128;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private RequestIds() {
    }

    /** The id for a request, from the values of its {@code x-request-id} headers (first one counts). */
    public static String resolve(List<String> clientValues) {
        if (clientValues == null || clientValues.isEmpty()) {
            return generate();
        }
        return resolve(clientValues.get(0));
    }

    public static String resolve(String clientValue) {
        if (clientValue == null || clientValue.isEmpty()) {
            return generate();
        }
        if (isGenerated(clientValue)) {
            return clientValue;
        }
        if (clientValue.length() > MAX_CLIENT_LENGTH || !printableAscii(clientValue)) {
            return generate();
        }
        return "client_" + clientValue;
    }

    /** True for exactly {@code req_} followed by 12 lowercase hex digits. */
    public static boolean isGenerated(String value) {
        if (value.length() != 16 || !value.startsWith("req_")) {
            return false;
        }
        for (int i = 4; i < 16; i++) {
            char c = value.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    /** {@code req_} + 12 random lowercase hex digits (48 bits). */
    public static String generate() {
        long bits = ThreadLocalRandom.current().nextLong();
        char[] id = new char[16];
        id[0] = 'r';
        id[1] = 'e';
        id[2] = 'q';
        id[3] = '_';
        for (int i = 15; i >= 4; i--) {
            id[i] = HEX[(int) (bits & 0xF)];
            bits >>>= 4;
        }
        return new String(id);
    }

    private static boolean printableAscii(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7E) {
                return false;
            }
        }
        return true;
    }
}
