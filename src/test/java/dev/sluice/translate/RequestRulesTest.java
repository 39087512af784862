package dev.sluice.translate;

import static dev.sluice.translate.Trees.object;
import static dev.sluice.translate.Trees.parse;
import static dev.sluice.translate.Trees.toAnthropic;
import static dev.sluice.translate.Trees.toOpenAi;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.error.ProxyError;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The request rules of contract §9 one by one, where a golden fixture does not already pin each case down. */
class RequestRulesTest {

    private static final String CHAT_TOOLS = "'tools':[{'type':'function','function':{'name':'f','parameters':{'type':'object'}}}]";
    private static final String MESSAGES_TOOLS = "'tools':[{'name':'f','input_schema':{'type':'object'}}]";

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "'auto'                                     | {'type':'auto'}",
        "'required'                                 | {'type':'any'}",
        "'none'                                     | {'type':'none'}",
        "{'type':'function','function':{'name':'f'}} | {'type':'tool','name':'f'}"})
    void mapsToolChoiceToAnthropic(String chat, String anthropic) {
        JsonNode body = toAnthropic("{'model':'m','messages':[{'role':'user','content':'x'}]," + CHAT_TOOLS
                + ",'tool_choice':" + chat + "}");

        assertThat(body.get("tool_choice")).isEqualTo(object(anthropic));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "{'type':'auto'}            | 'auto'",
        "{'type':'any'}             | 'required'",
        "{'type':'none'}            | 'none'",
        "{'type':'tool','name':'f'} | {'type':'function','function':{'name':'f'}}"})
    void mapsToolChoiceToOpenAi(String anthropic, String chat) {
        JsonNode body = toOpenAi("{'model':'m','max_tokens':5,'messages':[{'role':'user','content':'x'}]," + MESSAGES_TOOLS
                + ",'tool_choice':" + anthropic + "}");

        assertThat(body.get("tool_choice")).isEqualTo(parse(chat.replace('\'', '"')));
    }

    @Test
    void parallelToolCallsOffBecomesDisableParallelToolUseEvenWithoutAToolChoice() {
        JsonNode body = toAnthropic("{'model':'m','messages':[{'role':'user','content':'x'}]," + CHAT_TOOLS
                + ",'parallel_tool_calls':false}");

        assertThat(body.get("tool_choice")).isEqualTo(object("{'type':'auto','disable_parallel_tool_use':true}"));
    }

    @Test
    void toolChoiceAndParallelismAreLeftOutWithoutTools() {
        JsonNode body = toAnthropic("{'model':'m','messages':[{'role':'user','content':'x'}],'tools':[],"
                + "'tool_choice':'auto','parallel_tool_calls':false}");

        assertThat(body.has("tools")).isFalse();
        assertThat(body.has("tool_choice")).isFalse();
    }

    @Test
    void aChatOfSystemMessagesOnlyIsSentAsOneUserTurnBecauseAnthropicRefusesNoMessages() {
        JsonNode body = toAnthropic("{'model':'m','messages':[{'role':'system','content':'Write a haiku.'},"
                + "{'role':'developer','content':[{'type':'text','text':'About rain.'}]}]}");

        assertThat(body.has("system")).isFalse();
        assertThat(body.get("messages")).isEqualTo(parse("""
                [{"role":"user","content":[{"type":"text","text":"Write a haiku.\\n\\nAbout rain."}]}]"""));
    }

    @Test
    void aSystemMessageBesideAUserTurnStaysTheSystemPrompt() {
        JsonNode body = toAnthropic("{'model':'m','messages':[{'role':'system','content':'Be brief.'},"
                + "{'role':'user','content':'hi'}]}");

        assertThat(body.get("system").textValue()).isEqualTo("Be brief.");
        assertThat(body.get("messages")).hasSize(1);
    }

    @Test
    void anEarlierAnswerThatRefusedKeepsItsWordsTowardsAnthropic() {
        // it vanished, and the two user turns around it ran together
        JsonNode body = toAnthropic("{'model':'m','messages':[{'role':'user','content':'do X'},"
                + "{'role':'assistant','content':null,'refusal':'I cannot do X.'},{'role':'user','content':'then do Y'}]}");

        assertThat(body.get("messages")).hasSize(3);
        assertThat(body.get("messages").get(1).get("role").textValue()).isEqualTo("assistant");
        assertThat(body.get("messages").get(1).get("content").get(0).get("text").textValue()).isEqualTo("I cannot do X.");
    }

    @Test
    void claudeCodesBillingLineIsNotPartOfTheSystemPromptTowardsOpenAi() {
        // it changes from session to session at the prompt's very start: the backend's prefix cache would miss
        JsonNode body = toOpenAi("{'model':'m','max_tokens':10,'system':[{'type':'text','text':"
                + "'x-anthropic-billing-header: cc_version=2.1.197.7d5; cc_entrypoint=sdk-cli;'},"
                + "{'type':'text','text':'You are a Claude agent.','cache_control':{'type':'ephemeral'}}],"
                + "'messages':[{'role':'system','content':[{'type':'text','text':'x-anthropic-billing-header: cc_version=1;'},"
                + "{'type':'text','text':'Later.'}]},{'role':'user','content':'hi'}]}");

        assertThat(body.get("messages").get(0).get("role").textValue()).isEqualTo("system");
        assertThat(body.get("messages").get(0).get("content").textValue()).isEqualTo("You are a Claude agent.\n\nLater.");
        assertThat(body.toString()).doesNotContain("billing");
    }

    @Test
    void aMessageThreadTowardsOpenAiIsRefusedSoThatTheSdkSendsTheWholeConversation() {
        // the Anthropic SDK's tool runner sends thread {type: create} then {type: continue} with only the new
        // messages; an OpenAI backend would answer without the history
        ProxyError refused = catchThrowableOfType(ProxyError.class, () -> toOpenAi("{'model':'m','max_tokens':5,"
                + "'thread':{'type':'continue','previous_message_id':'msg_1'},'messages':[{'role':'user','content':'x'}]}"));

        assertThat(refused.code()).isEqualTo("unsupported_parameter");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.param()).isEqualTo("thread");
        // what the SDK's continue_unthreaded reads to go on without a thread
        assertThat(refused.fields().get("details")).isEqualTo(java.util.Map.of("error_code", "thread_unsupported_request",
                "unsupported", java.util.List.of("thread")));
        // no thread asked for: nothing to refuse
        assertThat(toOpenAi("{'model':'m','max_tokens':5,'thread':null,'messages':[{'role':'user','content':'x'}]}")
                .has("thread")).isFalse();
        assertThat(toOpenAi("{'model':'m','max_tokens':5,'thread':false,'messages':[{'role':'user','content':'x'}]}")
                .has("thread")).isFalse();
        // neither: refused, not dropped
        ProxyError malformed = catchThrowableOfType(ProxyError.class, () -> toOpenAi("{'model':'m','max_tokens':5,"
                + "'thread':5,'messages':[{'role':'user','content':'x'}]}"));
        assertThat(malformed.code()).isEqualTo("schema_validation_failed");
        assertThat(malformed.param()).isEqualTo("thread");
    }

    @Test
    void anImageWithoutItsMediaTypeOrDataIsRefusedNotSentAsNull() {
        // it went as data:null;base64,null (towards OpenAI) and as an empty media type (towards Anthropic)
        ProxyError noData = catchThrowableOfType(ProxyError.class, () -> toOpenAi("{'model':'m','max_tokens':5,"
                + "'messages':[{'role':'user','content':[{'type':'image','source':{'type':'base64'}}]}]}"));
        assertThat(noData.code()).isEqualTo("schema_validation_failed");
        assertThat(noData.param()).isEqualTo("messages[0].content[0].source.media_type");
        ProxyError emptyData = catchThrowableOfType(ProxyError.class, () -> toOpenAi("{'model':'m','max_tokens':5,"
                + "'messages':[{'role':'user','content':[{'type':'image','source':{'type':'base64',"
                + "'media_type':'image/png','data':''}}]}]}"));
        assertThat(emptyData.param()).isEqualTo("messages[0].content[0].source.data");
        ProxyError noMediaType = catchThrowableOfType(ProxyError.class, () -> toAnthropic("{'model':'m','messages':"
                + "[{'role':'user','content':[{'type':'image_url','image_url':{'url':'data:;base64,'}}]}]}"));
        assertThat(noMediaType.code()).isEqualTo("schema_validation_failed");
        assertThat(noMediaType.param()).isEqualTo("messages[0].content[0].image_url.url");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"image/jpg, image/jpeg", "IMAGE/PNG, image/png", "image/webp, image/webp"})
    void aDataUrlsMediaTypeIsSentAsAnthropicReadsIt(String declared, String sent) {
        JsonNode body = toAnthropic("{'model':'m','messages':[{'role':'user','content':[{'type':'image_url',"
                + "'image_url':{'url':'data:" + declared + ";base64,iVBORw0KGgo='}}]}]}");

        assertThat(body.at("/messages/0/content/0/source/media_type").textValue()).isEqualTo(sent);
    }

    @Test
    void decimalsInToolArgumentsKeepTheirDigitsBothWays() {
        String toAnthropic = Translation.OPENAI_TO_ANTHROPIC.request(object("{'model':'m','messages':["
                + "{'role':'user','content':'x'},{'role':'assistant','tool_calls':[{'id':'c1','type':'function',"
                + "'function':{'name':'f','arguments':'{\\'v\\':12345678901234567.89,\\'w\\':1.0}'}}]},"
                + "{'role':'tool','tool_call_id':'c1','content':'ok'}]}"), "u", 1024, null).body().toString();
        byte[] messages = ("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"},"
                + "{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"c1\",\"name\":\"f\","
                + "\"input\":{\"v\":12345678901234567.89,\"w\":1.0}}]}]}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        // the request path's tree, as the body scan builds it
        ObjectNode scanned = (ObjectNode) dev.sluice.body.BodyScanner.scan(messages, messages.length, true).tree();
        String toOpenAi = Translation.ANTHROPIC_TO_OPENAI.request(scanned, "u", 1024, null).body().toString();

        assertThat(toAnthropic).contains("\"input\":{\"v\":12345678901234567.89,\"w\":1.0}");
        assertThat(toOpenAi).contains("\"arguments\":\"{\\\"v\\\":12345678901234567.89,\\\"w\\\":1.0}\"");
    }

    @Test
    void aPlainTextDocumentInAToolResultIsPartOfTheToolsAnswer() {
        JsonNode body = toOpenAi("{'model':'m','max_tokens':5,'messages':[{'role':'user','content':'x'},"
                + "{'role':'assistant','content':[{'type':'tool_use','id':'t1','name':'search','input':{}}]},"
                + "{'role':'user','content':[{'type':'tool_result','tool_use_id':'t1','content':["
                + "{'type':'text','text':'Found:'},{'type':'document','source':{'type':'text','media_type':'text/plain',"
                + "'data':'the page'}}]}]}]}");

        assertThat(body.get("messages")).hasSize(3);
        assertThat(body.at("/messages/2/role").textValue()).isEqualTo("tool");
        assertThat(body.at("/messages/2/content").textValue()).isEqualTo("Found:\n\nthe page");
    }

    @Test
    void maxCompletionTokensWinsOverMaxTokensAndTheModelCapLowersBoth() {
        ObjectNode chat = object("{'model':'m','messages':[{'role':'user','content':'x'}],'max_tokens':50,"
                + "'max_completion_tokens':70}");

        assertThat(parse(Translation.OPENAI_TO_ANTHROPIC.request(chat, "u", 1024, null).body()).get("max_tokens").asInt())
                .isEqualTo(70);
        assertThat(parse(Translation.OPENAI_TO_ANTHROPIC.request(chat, "u", 1024, 60).body()).get("max_tokens").asInt())
                .isEqualTo(60);
    }

    @Test
    void anthropicMaxTokensIsCappedByTheModelOnItsWayToOpenAi() {
        ObjectNode messages = object("{'model':'m','max_tokens':32000,'messages':[{'role':'user','content':'x'}]}");

        JsonNode body = parse(Translation.ANTHROPIC_TO_OPENAI.request(messages, "u", 1024, 8192).body());

        assertThat(body.get("max_tokens").asInt()).isEqualTo(8192);
    }

    @Test
    void anOpenAiRequestWithoutALimitGetsTheModelsDefault() {
        JsonNode body = parse(Translation.OPENAI_TO_ANTHROPIC.request(object("{'model':'m','messages':[{'role':'user','content':'x'}]}"),
                "u", 777, null).body());

        assertThat(body.get("max_tokens").asInt()).isEqualTo(777);
    }

    @Test
    void theBackendGetsItsOwnModelName() {
        JsonNode body = parse(Translation.OPENAI_TO_ANTHROPIC.request(object("{'model':'claude','messages':[{'role':'user','content':'x'}]}"),
                "claude-sonnet-4-5-20250929", 1024, null).body());

        assertThat(body.get("model").asText()).isEqualTo("claude-sonnet-4-5-20250929");
    }

    @Test
    void onlyAStreamedMessagesRequestAsksTheOpenAiBackendForUsage() {
        assertThat(toOpenAi("{'model':'m','max_tokens':5,'messages':[{'role':'user','content':'x'}],'stream':false}")
                .has("stream_options")).isFalse();
        assertThat(toOpenAi("{'model':'m','max_tokens':5,'messages':[{'role':'user','content':'x'}],'stream':true}")
                .get("stream_options")).isEqualTo(object("{'include_usage':true}"));
    }

    @Test
    void aStreamedChatRequestNeedsNothingMoreThanStreamTowardsAnthropic() {
        JsonNode body = toAnthropic("{'model':'m','messages':[{'role':'user','content':'x'}],'stream':true,"
                + "'stream_options':{'include_usage':true}}");

        assertThat(body.get("stream").asBoolean()).isTrue();
        assertThat(body.has("stream_options")).isFalse();
    }

    @Test
    void remembersWhetherTheOpenAiClientAskedForTheUsageChunk() {
        ObjectNode asked = object("{'model':'m','messages':[],'stream':true,'stream_options':{'include_usage':true}}");
        ObjectNode notAsked = object("{'model':'m','messages':[],'stream':true}");

        TranslatedRequest request = Translation.OPENAI_TO_ANTHROPIC.request(asked, "u", 1, null);
        assertThat(request.includeUsage()).isTrue();
        assertThat(request.stream()).isTrue();
        assertThat(request.clientModel()).isEqualTo("m");
        assertThat(Translation.OPENAI_TO_ANTHROPIC.request(notAsked, "u", 1, null).includeUsage()).isFalse();
    }

    @Test
    void anUnsupportedParameterIsReportedInBodyOrderWithItsPath() {
        ProxyError error = catchThrowableOfType(ProxyError.class, () -> toAnthropic(
                "{'model':'m','logit_bias':{'1':2},'n':2,'messages':[{'role':'user','content':'x'}]}"));

        assertThat(error.code()).isEqualTo("unsupported_parameter");
        assertThat(error.param()).isEqualTo("logit_bias");
        assertThat(error.status()).isEqualTo(400);
        assertThat(error.getMessage()).contains("logit_bias").doesNotContain("Exception");
    }

    @Test
    void harmlessValuesOfUnsupportedParametersPass() {
        JsonNode body = toAnthropic("{'model':'m','messages':[{'role':'user','content':'x'}],'n':1,'logprobs':false,"
                + "'top_logprobs':null,'logit_bias':{},'response_format':{'type':'text'}}");

        assertThat(body.has("n")).isFalse();
        assertThat(body.has("logprobs")).isFalse();
        assertThat(body.has("response_format")).isFalse();
    }

    @Test
    void topKOfNullIsNoRequestForTopK() {
        JsonNode body = toOpenAi("{'model':'m','max_tokens':5,'messages':[{'role':'user','content':'x'}],'top_k':null}");

        assertThat(body.has("top_k")).isFalse();
    }

    @Test
    void theClientTreeIsNotChanged() {
        String json = "{'model':'m','messages':[{'role':'assistant','content':null,'tool_calls':[{'id':'c','type':'function',"
                + "'function':{'name':'f','arguments':'{}'}}]},{'role':'tool','tool_call_id':'c','content':'r'}],"
                + CHAT_TOOLS + ",'parallel_tool_calls':false}";
        ObjectNode client = object(json);

        Translation.OPENAI_TO_ANTHROPIC.request(client, "u", 1, null);

        assertThat(client).isEqualTo(object(json));
    }

    @Test
    void aToolResultsIsErrorIsKeptTowardsAnthropicButNotSentToOpenAi() {
        JsonNode anthropic = toAnthropic("{'model':'m','messages':[{'role':'tool','tool_call_id':'c','content':'boom','is_error':true}]}");
        JsonNode openai = toOpenAi("{'model':'m','max_tokens':5,'messages':[{'role':'user','content':["
                + "{'type':'tool_result','tool_use_id':'c','content':'boom','is_error':true}]}]}");

        assertThat(anthropic.at("/messages/0/content/0/is_error").asBoolean()).isTrue();
        // OpenAI refuses unknown message fields: the tool message carries the text only
        assertThat(openai.at("/messages/0")).isEqualTo(object("{'role':'tool','tool_call_id':'c','content':'boom'}"));
    }

    @Test
    void anAssistantTurnOfOnlyThinkingIsLeftOutTowardsOpenAi() {
        JsonNode body = toOpenAi("{'model':'m','max_tokens':5,'messages':[{'role':'user','content':'a'},"
                + "{'role':'assistant','content':[{'type':'thinking','thinking':'t','signature':'s'}]},{'role':'user','content':'b'}]}");

        assertThat(body.get("messages")).isEqualTo(parse("[{\"role\":\"user\",\"content\":\"a\\n\\nb\"}]"));
    }

    @Test
    void anImageUrlThatIsNeitherDataNorHttpIsRefused() {
        ProxyError error = catchThrowableOfType(ProxyError.class, () -> toAnthropic("{'model':'m','messages':[{'role':'user',"
                + "'content':[{'type':'image_url','image_url':{'url':'ftp://host/cat.png'}}]}]}"));

        assertThat(error.param()).isEqualTo("messages[0].content[0].image_url.url");
    }

    @Test
    void aBodyWithoutMessagesCannotBeTranslated() {
        ProxyError error = catchThrowableOfType(ProxyError.class, () -> toAnthropic("{'model':'m'}"));

        assertThat(error.code()).isEqualTo("schema_validation_failed");
        assertThat(error.param()).isEqualTo("messages");
    }
}
