package dev.sluice.translate;

import static dev.sluice.translate.Trees.object;
import static dev.sluice.translate.Trees.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.error.ErrorCode;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The answer rules of contract §9: stop reasons, usage, ids, model name, unreadable answers. */
class AnswerRulesTest {

    private static final TranslatedRequest CHAT_CLIENT = Translation.OPENAI_TO_ANTHROPIC.request(
            object("{'model':'my-claude','messages':[{'role':'user','content':'x'}]}"), "claude-sonnet-4-5", 1024, null);
    private static final TranslatedRequest MESSAGES_CLIENT = Translation.ANTHROPIC_TO_OPENAI.request(
            object("{'model':'my-gpt','max_tokens':5,'messages':[{'role':'user','content':'x'}]}"), "gpt-4.1", 1024, null);

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"end_turn, stop", "stop_sequence, stop", "max_tokens, length", "tool_use, tool_calls",
        "refusal, content_filter", "pause_turn, stop", "model_context_window_exceeded, length"})
    void mapsAnthropicStopReasons(String stopReason, String finishReason) {
        JsonNode answer = chatAnswer("{'type':'message','content':[],'stop_reason':'" + stopReason + "','usage':{}}");

        assertThat(answer.at("/choices/0/finish_reason").asText()).isEqualTo(finishReason);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"stop, end_turn", "length, max_tokens", "tool_calls, tool_use", "function_call, tool_use",
        "content_filter, refusal"})
    void mapsOpenAiFinishReasons(String finishReason, String stopReason) {
        JsonNode answer = messagesAnswer("{'choices':[{'index':0,'message':{'role':'assistant','content':'x'},'finish_reason':'"
                + finishReason + "'}]}");

        assertThat(answer.get("stop_reason").asText()).isEqualTo(stopReason);
        assertThat(answer.get("stop_sequence").isNull()).isTrue();
    }

    @Test
    void aToolCallWithoutAnIdGetsOneAsInAStream() {
        // it went as "id": null, and the client's tool result naming it was then refused
        JsonNode answer = messagesAnswer("{'choices':[{'message':{'content':null,'tool_calls':[{'type':'function',"
                + "'function':{'name':'Read','arguments':'{}'}},{'id':'','type':'function','function':{'name':'Bash',"
                + "'arguments':'{}'}}]},'finish_reason':'tool_calls'}]}");

        assertThat(answer.at("/content/0/id").asText()).matches("toolu_[0-9A-Za-z]{24}");
        assertThat(answer.at("/content/1/id").asText()).matches("toolu_[0-9A-Za-z]{24}");
        assertThat(answer.at("/content/0/name").asText()).isEqualTo("Read");
    }

    @Test
    void stopIsStopSequenceOnlyWhenTheBackendNamesTheSequence() {
        JsonNode named = messagesAnswer("{'choices':[{'message':{'content':'x'},'finish_reason':'stop','stop_reason':'END'}]}");
        JsonNode tokenId = messagesAnswer("{'choices':[{'message':{'content':'x'},'finish_reason':'stop','stop_reason':128001}]}");

        assertThat(named.get("stop_reason").asText()).isEqualTo("stop_sequence");
        assertThat(named.get("stop_sequence").asText()).isEqualTo("END");
        assertThat(tokenId.get("stop_reason").asText()).isEqualTo("end_turn");
    }

    @Test
    void anthropicUsageCountsCachedTokensAsPromptTokens() {
        JsonNode usage = chatAnswer("{'content':[],'stop_reason':'end_turn','usage':{'input_tokens':10,"
                + "'cache_creation_input_tokens':20,'cache_read_input_tokens':30,'output_tokens':5}}").get("usage");

        assertThat(usage).isEqualTo(object("{'prompt_tokens':60,'completion_tokens':5,'total_tokens':65,"
                + "'prompt_tokens_details':{'cached_tokens':30}}"));
    }

    @Test
    void openAiUsageSplitsCachedTokensOutOfInputTokensOnlyWhenItHasThem() {
        JsonNode cached = messagesAnswer("{'choices':[{'message':{'content':'x'},'finish_reason':'stop'}],"
                + "'usage':{'prompt_tokens':100,'completion_tokens':7,'total_tokens':107,'prompt_tokens_details':{'cached_tokens':64}}}");
        JsonNode plain = messagesAnswer("{'choices':[{'message':{'content':'x'},'finish_reason':'stop'}],"
                + "'usage':{'prompt_tokens':100,'completion_tokens':7,'total_tokens':107}}");

        assertThat(cached.get("usage")).isEqualTo(object("{'input_tokens':36,'cache_read_input_tokens':64,'output_tokens':7}"));
        assertThat(plain.get("usage")).isEqualTo(object("{'input_tokens':100,'output_tokens':7}"));
    }

    @Test
    void everyAnswerGetsANewIdOfTheClientsProtocolAndTheModelTheClientAskedFor() {
        String backend = "{'id':'msg_backend','content':[{'type':'text','text':'x'}],'stop_reason':'end_turn','usage':{}}";
        JsonNode first = chatAnswer(backend);
        JsonNode second = chatAnswer(backend);
        JsonNode messages = messagesAnswer("{'id':'chatcmpl-backend','model':'gpt-4.1','choices':[{'message':{'content':'x'},"
                + "'finish_reason':'stop'}]}");

        assertThat(first.get("id").asText()).matches("chatcmpl-[0-9A-Za-z]{29}");
        assertThat(second.get("id").asText()).isNotEqualTo(first.get("id").asText());
        assertThat(first.get("model").asText()).isEqualTo("my-claude");
        assertThat(first.get("created").asLong()).isCloseTo(System.currentTimeMillis() / 1000, org.assertj.core.data.Offset.offset(5L));
        assertThat(messages.get("id").asText()).matches("msg_[0-9A-Za-z]{24}");
        assertThat(messages.get("model").asText()).isEqualTo("my-gpt");
    }

    @Test
    void argumentsThatAreJsonButNotAnObjectBecomeAnEmptyInput() {
        JsonNode answer = messagesAnswer("{'choices':[{'message':{'tool_calls':[{'id':'c1','type':'function','function':"
                + "{'name':'f','arguments':'[1,2]'}},{'id':'c2','type':'function','function':{'name':'g','arguments':'{} trailing'}}]},"
                + "'finish_reason':'tool_calls'}]}");

        assertThat(answer.at("/content/0/input")).isEqualTo(object("{}"));
        assertThat(answer.at("/content/1/input")).isEqualTo(object("{}"));
        assertThat(answer.at("/content/1/id").asText()).isEqualTo("c2");
    }

    @Test
    void toolCallsFinishedWithStopAreToolUseForAnAnthropicClient() {
        // OpenAI finishes a call forced by a named tool_choice with "stop"; so do some vLLM and Ollama versions
        JsonNode answer = messagesAnswer("{'choices':[{'message':{'tool_calls':[{'id':'c1','type':'function','function':"
                + "{'name':'f','arguments':'{}'}}]},'finish_reason':'stop'}]}");
        JsonNode cut = messagesAnswer("{'choices':[{'message':{'tool_calls':[{'id':'c1','type':'function','function':"
                + "{'name':'f','arguments':'{'}}]},'finish_reason':'length'}]}");

        assertThat(answer.get("stop_reason").asText()).isEqualTo("tool_use");
        assertThat(cut.get("stop_reason").asText()).as("a call cut by the budget stays cut").isEqualTo("max_tokens");
    }

    @Test
    void decimalsInToolCallsKeepTheirDigitsBothWays() {
        String toAnthropic = MESSAGES_CLIENT.answer(Buffer.buffer(("{'choices':[{'message':{'tool_calls':[{'id':'c1',"
                + "'type':'function','function':{'name':'f','arguments':'{\\'v\\':12345678901234567.89}'}}]},"
                + "'finish_reason':'tool_calls'}]}").replace('\'', '"'))).toString();
        String toOpenAi = CHAT_CLIENT.answer(Buffer.buffer(("{'type':'message','content':[{'type':'tool_use','id':'t1',"
                + "'name':'f','input':{'v':12345678901234567.89,'w':1.0}}],'stop_reason':'tool_use','usage':{}}")
                .replace('\'', '"'))).toString();

        assertThat(toAnthropic).contains("\"input\":{\"v\":12345678901234567.89}");
        assertThat(toOpenAi).contains("\"arguments\":\"{\\\"v\\\":12345678901234567.89,\\\"w\\\":1.0}\"");
    }

    @Test
    void anUnreadableAnswerIsAnInvalidProviderResponse() {
        assertThatThrownBy(() -> CHAT_CLIENT.answer(Buffer.buffer("")))
                .isInstanceOfSatisfying(InvalidProviderResponse.class,
                        invalid -> assertThat(invalid.code()).isEqualTo(ErrorCode.INVALID_PROVIDER_RESPONSE));
        assertThatThrownBy(() -> MESSAGES_CLIENT.answer(Buffer.buffer("{\"choices\":[{\"index\":0}]}")))
                .isInstanceOf(InvalidProviderResponse.class);
        assertThatThrownBy(() -> CHAT_CLIENT.answer(Buffer.buffer("{\"content\":\"text, not blocks\"}")))
                .isInstanceOf(InvalidProviderResponse.class);
    }

    private static JsonNode chatAnswer(String anthropicAnswer) {
        return parse(CHAT_CLIENT.answer(Buffer.buffer(anthropicAnswer.replace('\'', '"'))));
    }

    private static JsonNode messagesAnswer(String chatAnswer) {
        return parse(MESSAGES_CLIENT.answer(Buffer.buffer(chatAnswer.replace('\'', '"'))));
    }
}
