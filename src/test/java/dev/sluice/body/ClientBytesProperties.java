package dev.sluice.body;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Endpoint;
import dev.sluice.error.ProxyError;
import dev.sluice.validation.RequestValidator;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Whatever a client sends, the readers of its bytes answer from the catalogue or pass the body on unchanged (contract
 * §12): the body scan, the shape checks and the {@code model} rewrite, fed random bytes, mangled JSON and random JSON
 * documents. A bounded number of cases runs in the normal suite; {@code -Djqwik.tries.default=…} runs more.
 */
class ClientBytesProperties {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper EXACT_JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .setNodeFactory(com.fasterxml.jackson.databind.node.JsonNodeFactory.withExactBigDecimals(true));
    /** Equal nodes, or two numbers of the same value whatever their node types. */
    private static final java.util.Comparator<JsonNode> SAME_NUMBERS = (a, b) -> a.equals(b)
            || a.isNumber() && b.isNumber() && a.decimalValue().compareTo(b.decimalValue()) == 0 ? 0 : 1;
    /** The only answers a body may get from these readers. */
    private static final Set<String> CATALOGUE_CODES = Set.of("invalid_json", "schema_validation_failed",
            "tool_schema_invalid", "tool_choice_unknown_tool", "orphan_tool_message", "missing_tool_call_id",
            "unsupported_tool_type", "duplicate_tool_name");

    @Property(tries = 500)
    void randomBytesAreScannedOrRefusedFromTheCatalogue(@ForAll("bytes") byte[] body) {
        assertReadOrRefused(body);
    }

    @Property(tries = 500)
    void mangledRequestsAreScannedOrRefusedFromTheCatalogue(@ForAll("mangledRequests") byte[] body) {
        assertReadOrRefused(body);
    }

    @Property(tries = 300)
    void aRenamedModelChangesOnlyTheModelsBytes(@ForAll("requests") String json, @ForAll("names") String upstream)
            throws Exception {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        RequestBody body;
        try {
            body = BodyScanner.scan(bytes, bytes.length, false);
        } catch (ProxyError refused) {
            // a generated "stream" or "max_tokens" of the wrong type: not a request that is forwarded
            net.jqwik.api.Assume.that(false);
            return;
        }

        byte[] same = body.forUpstream(body.model()).getBytes();
        byte[] renamed = body.forUpstream(upstream).getBytes();

        assertThat(same).isEqualTo(bytes);
        ObjectNode expected = (ObjectNode) JSON.readTree(bytes);
        expected.put("model", upstream);
        assertThat(JSON.readTree(renamed)).isEqualTo(expected);
    }

    @Property(tries = 300)
    void theScansTreeIsTheTreeJacksonReads(@ForAll("documents") JsonNode document) throws Exception {
        ObjectNode request = JSON.createObjectNode().put("model", "m");
        request.set("document", document);
        byte[] bytes = request.toString().getBytes(StandardCharsets.UTF_8);

        // decimals as written, not rounded to a double: a translated body re-serialises the tree
        ObjectNode tree = BodyScanner.scan(bytes, bytes.length, true).tree();
        assertThat(tree).isEqualTo(EXACT_JSON.readTree(bytes));
        // written again, a number keeps its value, not always its form: an integral decimal (2.18034336721281E14)
        // comes out as an integer (218034336721281), which JSON does not tell apart
        JsonNode again = EXACT_JSON.readTree(tree.toString());
        assertThat(again.equals(SAME_NUMBERS, EXACT_JSON.readTree(bytes))).as(again.toString()).isTrue();
    }

    @net.jqwik.api.Example
    void anIntegralDecimalWrittenAsAnExponentKeepsItsValue() throws Exception {
        theScansTreeIsTheTreeJacksonReads(JSON.getNodeFactory().numberNode(2.18034336721281E14));
    }

    private static void assertReadOrRefused(byte[] body) {
        for (boolean tree : new boolean[] {false, true}) {
            try {
                RequestBody scanned = BodyScanner.scan(body, body.length, tree);
                if (tree) {
                    for (Endpoint endpoint : Endpoint.values()) {
                        if (endpoint.proxied()) {
                            RequestValidator.checkShape(endpoint, scanned.tree());
                        }
                    }
                }
            } catch (ProxyError refused) {
                assertThat(refused.code()).isIn(CATALOGUE_CODES);
                assertThat(refused.status()).isIn(400, 422);
            }
        }
    }

    @Provide
    Arbitrary<byte[]> bytes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
    }

    @Provide
    Arbitrary<String> names() {
        // quotes, backslashes, control characters and non-ASCII, which the rewrite must escape (no lone surrogates:
        // a client's UTF-8 body cannot carry them)
        return Arbitraries.strings().ofMinLength(1).ofMaxLength(40).withChars("abcxyz-_/.:\"\\é \n\t\u0001")
                .withCharRange('\u4e00', '\u4e10');
    }

    @Provide
    Arbitrary<String> requests() {
        Arbitrary<String> text = Arbitraries.strings().ofMaxLength(90).withChars("ab \"\\\n{}[]:,é");
        Arbitrary<JsonNode> value = Arbitraries.oneOf(
                text.map(t -> JSON.getNodeFactory().textNode(t)),
                Arbitraries.integers().map(i -> JSON.getNodeFactory().numberNode(i)),
                Arbitraries.of(true, false).map(b -> JSON.getNodeFactory().booleanNode(b)));
        return Arbitraries.maps(Arbitraries.of("messages", "stream", "max_tokens", "temperature", "tools", "x", "input"),
                        value).ofMaxSize(5)
                .flatMap(fields -> names().map(model -> {
                    ObjectNode node = JSON.createObjectNode();
                    fields.forEach(node::set);
                    node.put("model", model);
                    return node.toString();
                }));
    }

    /** Any JSON value a few levels deep: every scalar kind, big and fractional numbers, empty containers. */
    @Provide
    Arbitrary<JsonNode> documents() {
        return document(4);
    }

    private Arbitrary<JsonNode> document(int depth) {
        Arbitrary<JsonNode> scalar = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(12).withChars("ab \"\\\né\u0001").map(t -> JSON.getNodeFactory().textNode(t)),
                // past 64 bytes a string stays as the body's bytes until read (LazyTextNode): escapes after them
                net.jqwik.api.Combinators.combine(Arbitraries.strings().ofMinLength(1).ofMaxLength(3).alpha()
                                .withCharRange('\u4e00', '\u4e03'), Arbitraries.integers().between(65, 70),
                        Arbitraries.strings().ofMaxLength(12).withChars("ab \"\\\né\u0001"))
                        .as((plain, times, mixed) -> JSON.getNodeFactory().textNode(plain.repeat(times) + mixed)),
                Arbitraries.integers().map(i -> JSON.getNodeFactory().numberNode(i)),
                Arbitraries.longs().map(l -> JSON.getNodeFactory().numberNode(l)),
                Arbitraries.bigIntegers().between(java.math.BigInteger.TEN.pow(19), java.math.BigInteger.TEN.pow(30))
                        .map(b -> JSON.getNodeFactory().numberNode(b)),
                Arbitraries.doubles().map(d -> JSON.getNodeFactory().numberNode(d)),
                Arbitraries.of(true, false).map(b -> JSON.getNodeFactory().booleanNode(b)),
                Arbitraries.just(JSON.getNodeFactory().nullNode()));
        if (depth == 0) {
            return scalar;
        }
        Arbitrary<JsonNode> child = Arbitraries.lazy(() -> document(depth - 1));
        Arbitrary<JsonNode> array = child.list().ofMaxSize(4).map(elements -> {
            com.fasterxml.jackson.databind.node.ArrayNode node = JSON.createArrayNode();
            elements.forEach(node::add);
            return node;
        });
        Arbitrary<JsonNode> object = Arbitraries.maps(Arbitraries.strings().alpha().ofMaxLength(3), child).ofMaxSize(4)
                .map(fields -> {
                    ObjectNode node = JSON.createObjectNode();
                    fields.forEach(node::set);
                    return node;
                });
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, scalar), net.jqwik.api.Tuple.of(1, array),
                net.jqwik.api.Tuple.of(1, object));
    }

    /** Valid requests cut, doubled or with a byte changed: the JSON parser's edge cases. */
    @Provide
    Arbitrary<byte[]> mangledRequests() {
        return requests().flatMap(json -> {
            byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            return Arbitraries.oneOf(
                    Arbitraries.integers().between(0, bytes.length).map(cut -> java.util.Arrays.copyOf(bytes, cut)),
                    Arbitraries.integers().between(0, Math.max(0, bytes.length - 1)).flatMap(at ->
                            Arbitraries.bytes().map(b -> {
                                byte[] changed = bytes.clone();
                                if (changed.length > 0) {
                                    changed[at] = b;
                                }
                                return changed;
                            })),
                    Arbitraries.just((json + json).getBytes(StandardCharsets.UTF_8)));
        });
    }
}
