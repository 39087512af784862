package dev.sluice.body;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.sluice.error.ProxyError;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BodyScannerTest {

    private static RequestBody scan(String json, boolean tree) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        return BodyScanner.scan(bytes, bytes.length, tree);
    }

    @Test
    void findsTheRoutingFieldsAtTheTopLevelOnly() {
        RequestBody body = scan("{\"messages\":[{\"model\":\"inner\",\"stream\":true}],\"model\":\"m\",\"max_tokens\":64}", false);
        assertThat(body.model()).isEqualTo("m");
        assertThat(body.stream()).isFalse();
        assertThat(body.maxTokens()).isEqualTo(64);
        assertThat(body.tree()).isNull();
    }

    @Test
    void rewritesOnlyTheModelValueBytes() {
        String json = "{\"a\":\"é\",  \"model\" : \"m\\u0031\", \"b\":[1,2]}";
        RequestBody body = scan(json, false);
        assertThat(body.model()).isEqualTo("m1");
        assertThat(body.forUpstream("org/Model \"x\"").toString(StandardCharsets.UTF_8))
                .isEqualTo("{\"a\":\"é\",  \"model\" : \"org/Model \\\"x\\\"\", \"b\":[1,2]}");
        assertThat(body.forUpstream("m1").toString(StandardCharsets.UTF_8)).isEqualTo(json);
    }

    @Test
    void theBudgetIsTheLargestOfItsNamesAndEachIsCapped() {
        String json = "{\"model\":\"m\",\"max_tokens\":50,\"messages\":[],\"max_completion_tokens\":6000}";
        RequestBody body = scan(json, false);

        // a backend may read either (vLLM and OpenAI read max_completion_tokens first): the checks count the larger
        assertThat(body.maxTokens()).isEqualTo(6000);
        assertThat(body.forUpstream("up", 100).toString(StandardCharsets.UTF_8)).isEqualTo(
                "{\"model\":\"up\",\"max_tokens\":50,\"messages\":[],\"max_completion_tokens\":100}");
        assertThat(body.forUpstream("m", 10).toString(StandardCharsets.UTF_8)).isEqualTo(
                "{\"model\":\"m\",\"max_tokens\":10,\"messages\":[],\"max_completion_tokens\":10}");
        assertThat(body.forUpstream("m", 6000).toString(StandardCharsets.UTF_8)).isEqualTo(json);
        // a null one counts as absent
        assertThat(scan("{\"model\":\"m\",\"max_tokens\":null,\"max_completion_tokens\":7}", false).maxTokens())
                .isEqualTo(7);
    }

    @Test
    void aBudgetNamedTwiceIsRefused() {
        // JSON parsers differ on which of two equal names counts: the number checked might not be the one used
        for (String field : new String[] {"max_tokens", "max_completion_tokens", "max_output_tokens"}) {
            assertThatThrownBy(() -> scan("{\"model\":\"m\",\"" + field + "\":5,\"" + field + "\":100000}", false))
                    .isInstanceOfSatisfying(ProxyError.class, error -> {
                        assertThat(error.code()).isEqualTo("invalid_json");
                        assertThat(error.getMessage()).contains(field + "\" twice");
                    });
        }
    }

    @Test
    void aNameGivenTwiceInAnObjectIsRefusedWhereverTheTreeIsRead() {
        // the checks read one value and the backend's parser may read the other: tools, messages, a message's role
        for (String json : new String[] {
                "{\"model\":\"m\",\"tools\":[{\"bad\":1}],\"tools\":[]}",
                "{\"model\":\"m\",\"messages\":[],\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "{\"model\":\"m\",\"messages\":[{\"role\":\"tool\",\"role\":\"user\",\"content\":\"hi\"}]}",
                "{\"model\":\"m\",\"mess\\u0061ges\":[],\"messages\":[]}"}) {
            assertThatThrownBy(() -> scan(json, true)).as(json).isInstanceOfSatisfying(ProxyError.class, error -> {
                assertThat(error.code()).isEqualTo("invalid_json");
                assertThat(error.getMessage()).contains("\" twice");
            });
        }
        // stream is read without the tree, so it is checked without it
        assertThatThrownBy(() -> scan("{\"model\":\"m\",\"stream\":false,\"stream\":true}", false))
                .isInstanceOfSatisfying(ProxyError.class, error -> assertThat(error.getMessage())
                        .contains("\"stream\" twice"));
    }

    @Test
    void buildsTheTreeInTheSamePass() {
        RequestBody body = scan("{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", true);
        assertThat(body.stream()).isTrue();
        assertThat(body.tree().get("messages").get(0).get("content").asText()).isEqualTo("hi");
        assertThat(body.tree().get("model").asText()).isEqualTo("m");
    }

    @Test
    void theTreeHoldsTheNodesJacksonsOwnReaderGivesWithDecimalsAsWritten() throws Exception {
        String json = "{\"model\":\"m\",\"n\":{\"w\":1,\"x\":[2,3.5,-0.0,1e2,12345678901,"
                + "123456789012345678901234567890,1e400]},\"b\":[null,true,false,\"s\\u00e9\",[],{}],\"a\":{\"y\":{}},"
                + "\"c\":-7,\"d\":0.1,\"e\":12345678901234567.89,\"f\":1.0}";
        JsonNode expected = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true)).readTree(json);

        JsonNode tree = scan(json, true).tree();

        assertThat(tree).isEqualTo(expected);
        assertThat(tree.get("a").get("y").isObject()).isTrue();
        assertThat(tree.get("n").get("x").get(4).isLong()).isTrue();
        assertThat(tree.get("n").get("x").get(5).isBigInteger()).isTrue();
        assertThat(tree.get("c").isInt()).isTrue();
        assertThat(tree.get("d").isBigDecimal()).isTrue();
        // a translated body is written from the tree: no digit lost to a double, no zero stripped
        assertThat(tree.get("e").toString()).isEqualTo("12345678901234567.89");
        assertThat(tree.get("f").toString()).isEqualTo("1.0");
        assertThat(tree.get("n").get("x").get(6).toString()).isEqualTo("1E+400");
    }

    @Test
    void refusesWhatIsNotJsonOrNotAnObject() {
        assertThatThrownBy(() -> scan("{\"model\":", false)).isInstanceOf(ProxyError.class)
                .extracting(e -> ((ProxyError) e).code()).isEqualTo("invalid_json");
        assertThatThrownBy(() -> scan("", false)).extracting(e -> ((ProxyError) e).code()).isEqualTo("invalid_json");
        assertThatThrownBy(() -> scan("{} {}", false)).extracting(e -> ((ProxyError) e).code()).isEqualTo("invalid_json");
        assertThatThrownBy(() -> scan("[1,2]", false)).extracting(e -> ((ProxyError) e).code())
                .isEqualTo("schema_validation_failed");
        assertThatThrownBy(() -> scan("{\"model\":1}", false)).extracting(e -> ((ProxyError) e).param()).isEqualTo("model");
        assertThatThrownBy(() -> scan("{\"model\":\"m\",\"stream\":\"yes\"}", false))
                .extracting(e -> ((ProxyError) e).param()).isEqualTo("stream");
        assertThatThrownBy(() -> scan("{\"model\":\"m\",\"max_tokens\":1.5}", false))
                .extracting(e -> ((ProxyError) e).param()).isEqualTo("max_tokens");
    }

    static String nested(int depth) {
        return "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":" + "[".repeat(depth)
                + "]".repeat(depth) + "}]}";
    }

    static String codeOf(String body, boolean tree) {
        try {
            scan(body, tree);
            return "accepted";
        } catch (ProxyError error) {
            return error.status() + " " + error.code();
        }
    }

    @Test
    void jsonNestedPastTheLimitIsInvalidJsonNotAnInternalError() {
        // 1,200 levels used to throw a NullPointerException (Jackson's constraint error has no location): a 500
        for (boolean tree : new boolean[] {false, true}) {
            assertThat(codeOf(nested(1_200), tree)).as("tree " + tree).isEqualTo("400 invalid_json");
            assertThat(codeOf(nested(130), tree)).as("tree " + tree).isEqualTo("400 invalid_json");
            // the object and the messages array take 3 levels: 125 more make 128
            assertThat(codeOf(nested(125), tree)).as("tree " + tree).isEqualTo("accepted");
        }
    }

    @Test
    void numbersPastJacksonsLimitAndInvalidUtf8AreInvalidJson() {
        String longNumber = "{\"model\":\"m\",\"temperature\":1" + "0".repeat(1_200) + "}";
        assertThat(codeOf(longNumber, true)).isEqualTo("400 invalid_json");
        assertThat(codeOf(longNumber, false)).isEqualTo("400 invalid_json");
        byte[] invalidUtf8 = "{\"model\":\"m\",\"x\":\"ab\u00ff\"}".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        for (boolean tree : new boolean[] {false, true}) {
            String code;
            try {
                BodyScanner.scan(invalidUtf8, invalidUtf8.length, tree);
                code = "accepted";
            } catch (ProxyError error) {
                code = error.status() + " " + error.code();
            }
            assertThat(code).as("tree " + tree).isEqualTo("400 invalid_json");
        }
    }
}
