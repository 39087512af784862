package dev.sluice.body;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.sluice.error.ProxyError;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A long string of a body's tree stays as the body's bytes until read ({@link LazyTextNode}), and reads as Jackson's
 * own reader reads it: its text, its JSON, its equality, wherever it stands (an object's field, an array's element,
 * the last of either, with white space around it).
 */
class LazyTextNodeTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode scanned(String content) {
        byte[] bytes = ("{\"model\":\"m\",\"x\":" + content + "}").getBytes(StandardCharsets.UTF_8);
        return BodyScanner.scan(bytes, bytes.length, true).tree().get("x");
    }

    private static String code(String content, boolean tree) {
        byte[] bytes = ("{\"model\":\"m\",\"x\":" + content).getBytes(StandardCharsets.UTF_8);
        try {
            BodyScanner.scan(bytes, bytes.length, tree);
            return "accepted";
        } catch (ProxyError refused) {
            return refused.status() + " " + refused.code();
        }
    }

    @Test
    void aLongStringReadsAsJacksonReadsItWithoutBeingDecodedFirst() throws Exception {
        String[] literals = {
            "\"" + "a".repeat(65) + "\"",
            // two, three and four bytes a character; a surrogate pair counts two
            "\"" + "é€😀 ".repeat(20) + "\"",
            // every kind of escape, a surrogate pair escaped, and an escaped quote right before the closing one
            "\"" + "q\\\"r\\\\s\\/t\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00 ".repeat(6) + "\\\"\"",
            // a quote or a backslash at each position of an eight-byte word
            "\"" + "abcdefg\\\"".repeat(12) + "\"",
            "\"" + "abcdef\\\\".repeat(12) + "\"",
        };
        for (String literal : literals) {
            String expected = JSON.readTree(literal).textValue();

            JsonNode node = scanned(literal);

            assertThat(node).as(literal).isInstanceOf(LazyTextNode.class);
            assertThat(node.isTextual()).isTrue();
            assertThat(node.textValue()).as(literal).isEqualTo(expected);
            assertThat(node.asText()).isEqualTo(expected);
            // written as the JSON string of its text (a translated body is written from the tree)
            assertThat(JSON.readTree(node.toString()).textValue()).isEqualTo(expected);
            assertThat(JSON.writeValueAsString(JSON.createObjectNode().set("x", node)))
                    .isEqualTo(JSON.writeValueAsString(JSON.createObjectNode().put("x", expected)));
            assertThat(node).isEqualTo(TextNode.valueOf(expected));
            assertThat(node.hashCode()).isEqualTo(TextNode.valueOf(expected).hashCode());
        }
    }

    @Test
    void itsEndIsFoundWhereverItStands() throws Exception {
        String text = "d".repeat(70) + "\\\\";
        String json = "{\"model\":\"m\",\"a\":\"" + text + "\" ,\n \"b\":[ \"" + text + "\" , \"" + text + "\"\t] ,"
                + "\"c\":{\"d\":\"" + text + "\"\r\n}, \"e\":\"" + text + "\"}";
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);

        JsonNode tree = BodyScanner.scan(bytes, bytes.length, true).tree();

        String expected = JSON.readTree(json).get("a").textValue();
        for (JsonNode node : new JsonNode[] {tree.get("a"), tree.get("b").get(0), tree.get("b").get(1),
                tree.get("c").get("d"), tree.get("e")}) {
            assertThat(node).isInstanceOf(LazyTextNode.class);
            assertThat(node.textValue()).isEqualTo(expected);
        }
        assertThat(tree).isEqualTo(JSON.readTree(json));
    }

    @Test
    void shortStringsAreDecodedAtOnceAsBefore() {
        String sixtyFour = "\"" + "b".repeat(64) + "\"";
        String sixtyFive = "\"" + "b".repeat(65) + "\"";

        assertThat(scanned(sixtyFour)).isExactlyInstanceOf(TextNode.class);
        assertThat(scanned(sixtyFive)).isExactlyInstanceOf(LazyTextNode.class);
        // the checks read names and roles: short, plain strings
        assertThat(scanned("\"user\"")).isEqualTo(TextNode.valueOf("user"));
    }

    @Test
    void aLongStringTheParserSkipsIsStillCheckedAsJson() {
        String text = "c".repeat(100);
        for (boolean tree : new boolean[] {false, true}) {
            // a raw control character, an unknown escape, a short \\u escape, no closing quote
            assertThat(code("\"" + text + "\u0001" + text + "\"}", tree)).as("tree " + tree).isEqualTo("400 invalid_json");
            assertThat(code("\"" + text + "\\x" + text + "\"}", tree)).as("tree " + tree).isEqualTo("400 invalid_json");
            assertThat(code("\"" + text + "\\u12\"}", tree)).as("tree " + tree).isEqualTo("400 invalid_json");
            assertThat(code("\"" + text, tree)).as("tree " + tree).isEqualTo("400 invalid_json");
            assertThat(code("\"" + text + "\\\"}", tree)).as("tree " + tree).isEqualTo("400 invalid_json");
            assertThat(code("\"" + text + "\"}", tree)).as("tree " + tree).isEqualTo("accepted");
        }
    }
}
