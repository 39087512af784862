package dev.sluice.validation;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.body.BodyScanner;
import dev.sluice.body.RequestBody;
import dev.sluice.api.Endpoint;
import dev.sluice.routing.ModelRoute;
import dev.sluice.routing.Protocol;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * What the request checks cost, measured without a benchmark framework: for a typical chat request (~1.5 KB) and a
 * long one (~100 KB), the body scan without and with a tree, the scan with the tree and both checks (the whole
 * validation path of a request), the checks alone on a built tree, and the token estimate alone. Each case is warmed
 * up, then timed in several rounds; the median round is reported in nanoseconds per operation.
 *
 * <p>Not a test (Surefire does not run it). Run it with:
 * <pre>
 * ./mvnw -q test-compile
 * java -cp target/classes:target/test-classes:$(./mvnw -q dependency:build-classpath -Dmdep.outputFile=/dev/stdout) \
 *     dev.sluice.validation.ValidationCost
 * </pre>
 */
public final class ValidationCost {

    private static final long WARM_UP_NANOS = 3_000_000_000L;
    private static final long ROUND_NANOS = 1_000_000_000L;
    private static final int ROUNDS = 7;

    private static final ModelRoute MODEL = Fixtures.route("large-128k", Protocol.OPENAI, 131072, Set.of("logit_bias"));
    private static final List<ModelRoute> REACHABLE = List.of(MODEL,
            Fixtures.route("small-4k", Protocol.OPENAI, 4096, Set.of()));

    private static volatile long sink;

    private ValidationCost() {
    }

    public static void main(String[] args) {
        System.out.printf("java %s, %d cores%n", System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors());
        measure("typical", typicalChat());
        measure("long", longChat());
    }

    private static void measure(String label, byte[] body) {
        ObjectNode tree = BodyScanner.scan(body, body.length, true).tree();
        Integer maxTokens = BodyScanner.scan(body, body.length, false).maxTokens();
        RequestValidator.checkShape(Endpoint.CHAT_COMPLETIONS, tree);
        RequestValidator.checkForModel(Endpoint.CHAT_COMPLETIONS, tree, MODEL, maxTokens, TokenEstimator.promptTokens(Endpoint.CHAT_COMPLETIONS, tree), () -> REACHABLE);
        System.out.printf("%n%s chat request: %,d bytes, %d messages, %,d estimated prompt tokens%n", label,
                body.length, tree.get("messages").size(), TokenEstimator.promptTokens(Endpoint.CHAT_COMPLETIONS, tree));

        time("scan without tree", body, b -> BodyScanner.scan(b, b.length, false).length());
        time("scan with tree", body, b -> BodyScanner.scan(b, b.length, true).tree().size());
        time("scan with tree + checkShape + checkForModel", body, b -> {
            RequestBody scanned = BodyScanner.scan(b, b.length, true);
            RequestValidator.checkShape(Endpoint.CHAT_COMPLETIONS, scanned.tree());
            RequestValidator.checkForModel(Endpoint.CHAT_COMPLETIONS, scanned.tree(), MODEL, scanned.maxTokens(),
                    TokenEstimator.promptTokens(Endpoint.CHAT_COMPLETIONS, scanned.tree()), () -> REACHABLE);
            return scanned.length();
        });
        time("checkShape + checkForModel (tree built)", body, b -> {
            RequestValidator.checkShape(Endpoint.CHAT_COMPLETIONS, tree);
            RequestValidator.checkForModel(Endpoint.CHAT_COMPLETIONS, tree, MODEL, maxTokens, TokenEstimator.promptTokens(Endpoint.CHAT_COMPLETIONS, tree), () -> REACHABLE);
            return 1;
        });
        time("TokenEstimator.promptTokens (tree built)", body,
                b -> TokenEstimator.promptTokens(Endpoint.CHAT_COMPLETIONS, tree));
    }

    private static void time(String what, byte[] body, ToLongFunction<byte[]> operation) {
        run(body, operation, WARM_UP_NANOS);
        double[] rounds = new double[ROUNDS];
        for (int i = 0; i < ROUNDS; i++) {
            rounds[i] = run(body, operation, ROUND_NANOS);
        }
        Arrays.sort(rounds);
        System.out.printf("  %-46s %,12.0f ns/op  (rounds %,.0f .. %,.0f)%n", what, rounds[ROUNDS / 2], rounds[0],
                rounds[ROUNDS - 1]);
    }

    /** Runs the operation for about {@code nanos}; answers the nanoseconds per operation. */
    private static double run(byte[] body, ToLongFunction<byte[]> operation, long nanos) {
        long operations = 0;
        long accumulated = 0;
        long start = System.nanoTime();
        long elapsed;
        do {
            for (int i = 0; i < 64; i++) {
                accumulated += operation.applyAsLong(body);
            }
            operations += 64;
            elapsed = System.nanoTime() - start;
        } while (elapsed < nanos);
        sink += accumulated;
        return (double) elapsed / operations;
    }

    /** System prompt, two tools, a short tool round trip and a question: about 1.5 KB. */
    static byte[] typicalChat() {
        String body = """
                {"model":"large-128k","messages":[\
                {"role":"system","content":"You are a helpful travel assistant. Answer briefly, quote prices in the \
                user's currency, and call a tool whenever live data (weather, time, prices) is needed."},\
                {"role":"user","content":"I land in Lisbon on Friday evening. What's the weather going to be like, \
                and is it worth renting a car for a day trip to Sintra?"},\
                {"role":"assistant","content":null,"tool_calls":[{"id":"call_8f2a","type":"function","function":\
                {"name":"get_weather","arguments":"{\\"location\\":\\"Lisbon, Portugal\\",\\"unit\\":\\"celsius\\"}"}}]},\
                {"role":"tool","tool_call_id":"call_8f2a","content":"{\\"friday\\":{\\"high\\":21,\\"low\\":14,\
                \\"conditions\\":\\"partly cloudy\\"},\\"saturday\\":{\\"high\\":23,\\"low\\":15,\\"conditions\\":\\"sunny\\"}}"},\
                {"role":"user","content":[{"type":"text","text":"Thanks. Also, roughly how long is the train to Sintra?"}]}],\
                "tools":[{"type":"function","function":{"name":"get_weather","description":"Forecast for a city",\
                "parameters":{"type":"object","properties":{"location":{"type":"string","description":"City and \
                country"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["location","unit"],\
                "additionalProperties":false},"strict":true}},{"type":"function","function":{"name":"get_train_times",\
                "description":"Train times between two stations","parameters":{"type":"object","properties":\
                {"from":{"type":"string"},"to":{"type":"string"},"date":{"type":"string","format":"date"}},\
                "required":["from","to"]}}}],"tool_choice":"auto","temperature":0.3,"max_tokens":400,\
                "stream":true,"stream_options":{"include_usage":true},"user":"user-7d1c"}""";
        return body.getBytes(StandardCharsets.UTF_8);
    }

    /** A long conversation: 60 turns of about 1.6 KB, with tools: about 100 KB. */
    static byte[] longChat() {
        String paragraph = "The proxy reads the body once, scans the top-level fields it needs and forwards the bytes "
                + "untouched; only when checks are enabled does it build a tree of the whole document. ";
        StringBuilder body = new StringBuilder(110_000);
        body.append("{\"model\":\"large-128k\",\"messages\":[{\"role\":\"system\",\"content\":\"You review long design "
                + "documents.\"}");
        for (int turn = 0; turn < 60; turn++) {
            String role = turn % 2 == 0 ? "user" : "assistant";
            body.append(",{\"role\":\"").append(role).append("\",\"content\":[{\"type\":\"text\",\"text\":\"");
            for (int i = 0; i < 9; i++) {
                body.append(paragraph);
            }
            body.append("\"}]}");
        }
        body.append(",{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"search_docs\",\"arguments\":\"{\\\"query\\\":\\\"body size limit\\\"}\"}}]}"
                + ",{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"max-body-size defaults to 10 MiB\"}]"
                + ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"search_docs\",\"parameters\":"
                + "{\"type\":\"object\",\"properties\":{\"query\":{\"type\":\"string\"}},\"required\":[\"query\"]}}}]"
                + ",\"max_tokens\":2000}");
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }
}
