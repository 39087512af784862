package dev.sluice.bench;

import java.nio.charset.StandardCharsets;

/** Chat request bodies of the sizes the benchmarks use: about 1.5 KB (one tool) and about 100 KB (a long history). */
final class Bodies {

    private Bodies() {
    }

    static byte[] of(String size) {
        return switch (size) {
            case "1.5k" -> small().getBytes(StandardCharsets.UTF_8);
            case "100k" -> large().getBytes(StandardCharsets.UTF_8);
            default -> throw new IllegalArgumentException(size);
        };
    }

    /** System and user message, one function tool, sampling parameters: about 1.5 KB. */
    static String small() {
        String system = "You are a helpful assistant. ".repeat(16).trim();
        String user = ("Please summarize the following text in one sentence: "
                + "The quick brown fox jumps over the lazy dog. ".repeat(12)).trim();
        return "{\"model\":\"mock-model\",\"messages\":[{\"role\":\"system\",\"content\":\"" + system + "\"},"
                + "{\"role\":\"user\",\"content\":\"" + user + "\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                + "\"description\":\"Current weather for a city\",\"parameters\":{\"type\":\"object\","
                + "\"properties\":{\"city\":{\"type\":\"string\"},\"unit\":{\"type\":\"string\",\"enum\":[\"c\",\"f\"]}},"
                + "\"required\":[\"city\"]}}}],"
                + "\"temperature\":0.2,\"max_tokens\":64,\"stream\":false}";
    }

    /** 96 alternating user/assistant turns of about 1 KB each: about 100 KB. */
    static String large() {
        StringBuilder out = new StringBuilder(110_000);
        out.append("{\"model\":\"mock-model\",\"messages\":[{\"role\":\"system\",\"content\":\"You are a helpful assistant.\"}");
        String text = "The quick brown fox jumps over the lazy dog. ".repeat(22).trim();
        for (int i = 0; i < 96; i++) {
            out.append(",{\"role\":\"").append(i % 2 == 0 ? "user" : "assistant").append("\",\"content\":\"")
                    .append(i).append(' ').append(text).append("\"}");
        }
        return out.append("],\"temperature\":0.2,\"max_tokens\":64,\"stream\":false}").toString();
    }
}
