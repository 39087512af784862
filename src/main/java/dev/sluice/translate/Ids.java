package dev.sluice.translate;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The ids a translated answer gets, shaped as each protocol's own (contract §9: a new id when translating). Not
 * secrets: a fast random source is enough.
 */
final class Ids {

    private static final char[] BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

    private Ids() {
    }

    /** {@code chatcmpl-} and 29 characters, as OpenAI's. */
    static String chatCompletion() {
        return "chatcmpl-" + random(29);
    }

    /** {@code msg_} and 24 characters, as Anthropic's. */
    static String message() {
        return "msg_" + random(24);
    }

    /** For a tool call a backend streamed without an id. */
    static String toolCall() {
        return "call_" + random(24);
    }

    /** For a tool use a backend streamed without an id. */
    static String toolUse() {
        return "toolu_" + random(24);
    }

    private static String random(int length) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        char[] out = new char[length];
        for (int i = 0; i < length; i++) {
            out[i] = BASE62[random.nextInt(BASE62.length)];
        }
        return new String(out);
    }
}
