package dev.sluice.validation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.body.BodyScanner;
import dev.sluice.api.Endpoint;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Prompt tokens are the characters of the text content / 4, rounded up (contract §4.2). */
class TokenEstimatorTest {

    private static long tokens(Endpoint endpoint, String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        ObjectNode tree = BodyScanner.scan(bytes, bytes.length, true).tree();
        return TokenEstimator.promptTokens(endpoint, tree);
    }

    @Test
    void roundsUpTheCharactersOverFour() {
        assertThat(tokens(Endpoint.CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":[]}")).isZero();
        assertThat(tokens(Endpoint.CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}"))
                .isEqualTo(1);
        assertThat(tokens(Endpoint.CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"abcd\"}]}"))
                .isEqualTo(1);
        assertThat(tokens(Endpoint.CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"abcde\"}]}"))
                .isEqualTo(2);
    }

    @Test
    void countsJavaCharactersSoAnEmojiCountsTwo() {
        // "é" is one char, "😀" (outside the BMP) is two
        assertThat(tokens(Endpoint.CHAT_COMPLETIONS,
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"\u00e9\u00e9\u00e9\ud83d\ude00\"}]}"))
                .isEqualTo(2); // 5 chars
    }

    @Test
    void countsALongTextAsItsJavaCharacters() {
        // past 64 bytes the text stays as the body's bytes until the estimate reads it: 30 x ("é" 1 + "😀" 2 + "a" 1)
        assertThat(tokens(Endpoint.CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + "\u00e9\ud83d\ude00a".repeat(30) + "\"}]}")).isEqualTo(30);
        // with escapes: 100 newlines, each written as a backslash and an n
        assertThat(tokens(Endpoint.MESSAGES, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + "\\n".repeat(100) + "\"}]}")).isEqualTo(25);
    }

    @Test
    void countsChatTextPartsToolCallArgumentsAndToolMessages() {
        String body = """
                {"model":"m","messages":[
                  {"role":"system","content":"12345678"},
                  {"role":"developer","content":[{"type":"text","text":"1234"}]},
                  {"role":"user","content":[{"type":"text","text":"1234"},{"type":"image_url","image_url":{"url":"https://x/y.png"}}]},
                  {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"get_weather","arguments":"12345678"}}]},
                  {"role":"tool","tool_call_id":"c1","content":"1234"}],
                 "tools":[{"type":"function","function":{"name":"not_counted","description":"not counted either"}}]}
                """;
        // 8 + 4 + 4 + 8 + 4 = 28 characters
        assertThat(tokens(Endpoint.CHAT_COMPLETIONS, body)).isEqualTo(7);
    }

    @Test
    void countsAnthropicSystemTextToolResultsAndSerialisedToolInput() {
        String body = """
                {"model":"m","max_tokens":5,"system":[{"type":"text","text":"1234"}],"messages":[
                  {"role":"user","content":"12345678"},
                  {"role":"assistant","content":[{"type":"thinking","thinking":"not counted","signature":"s"},
                     {"type":"tool_use","id":"t1","name":"f","input": { "city" : "Paris" }}]},
                  {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"1234"}]},
                     {"type":"tool_result","tool_use_id":"t1","content":"12"},{"type":"text","text":"12"}]}]}
                """;
        // 4 + 8 + len({"city":"Paris"}) 16 + 4 + 2 + 2 = 36 characters
        assertThat(tokens(Endpoint.MESSAGES, body)).isEqualTo(9);
        assertThat(tokens(Endpoint.MESSAGES, "{\"model\":\"m\",\"system\":\"123456789\",\"messages\":[]}")).isEqualTo(3);
    }

    @Test
    void countsPromptsAndInputsWithTokenIdsAsOneTokenEach() {
        assertThat(tokens(Endpoint.COMPLETIONS, "{\"model\":\"m\",\"prompt\":\"12345678\"}")).isEqualTo(2);
        assertThat(tokens(Endpoint.COMPLETIONS, "{\"model\":\"m\",\"prompt\":[\"1234\",\"12345\"]}")).isEqualTo(3);
        assertThat(tokens(Endpoint.COMPLETIONS, "{\"model\":\"m\",\"prompt\":[[1,2,3],[4]]}")).isEqualTo(4);
        assertThat(tokens(Endpoint.EMBEDDINGS, "{\"model\":\"m\",\"input\":[9906,1917,0]}")).isEqualTo(3);
        assertThat(tokens(Endpoint.EMBEDDINGS, "{\"model\":\"m\",\"input\":\"123456789\"}")).isEqualTo(3);
    }

    @Test
    void countsResponsesInstructionsAndInputItems() {
        assertThat(tokens(Endpoint.RESPONSES, "{\"model\":\"m\",\"instructions\":\"1234\",\"input\":\"12345678\"}"))
                .isEqualTo(3);
        String items = """
                {"model":"m","input":[
                  {"role":"user","content":[{"type":"input_text","text":"1234"},{"type":"input_image","image_url":"https://x"}]},
                  {"type":"function_call","call_id":"c","name":"f","arguments":"1234"},
                  {"type":"function_call_output","call_id":"c","output":"1234"},
                  {"role":"assistant","content":"1234"}]}
                """;
        assertThat(tokens(Endpoint.RESPONSES, items)).isEqualTo(4);
    }

    @Test
    void neverFailsOnBodiesTheChecksWouldRefuse() {
        assertThat(tokens(Endpoint.CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":\"hi\"}")).isZero();
        assertThat(tokens(Endpoint.CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":[1,\"x\",{\"content\":7,\"tool_calls\":5}]}"))
                .isZero();
        assertThat(tokens(Endpoint.MESSAGES, "{\"model\":\"m\",\"messages\":[{\"content\":{\"a\":\"b\"}},3],\"system\":5}"))
                .isZero();
        assertThat(tokens(Endpoint.RESPONSES, "{\"model\":\"m\",\"input\":{\"x\":1}}")).isZero();
        assertThat(tokens(Endpoint.MODELS, "{\"model\":\"m\"}")).isZero();
    }
}
