package dev.sluice.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testing.SluiceProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged proxy started with no configuration at all, as the README's first command starts it: the built-in demo
 * model answers the README's requests on both protocols, and the Responses API that the newest OpenAI SDKs call by
 * default (the Vercel AI SDK's {@code openai(model)}), as JSON and as its event stream.
 */
class DemoModeIT {

    static final String KEY = "sk-sluice-demo";
    static final ObjectMapper JSON = new ObjectMapper();

    static SluiceProcess sluice;
    static final HttpClient CLIENT = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        sluice = SluiceProcess.start("demo", null, Map.of());
    }

    @AfterAll
    static void stop() {
        sluice.close();
    }

    @Test
    void answersTheReadmesChatCompletion() throws Exception {
        HttpResponse<String> answer = post("/v1/chat/completions", "authorization", "Bearer " + KEY,
                "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"hello from curl\"}]}");

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.headers().firstValue("x-request-id")).hasValueSatisfying(id -> assertThat(id).startsWith("req_"));
        JsonNode body = JSON.readTree(answer.body());
        assertThat(body.path("object").asText()).isEqualTo("chat.completion");
        assertThat(body.at("/choices/0/message/content").asText()).isEqualTo("hello from curl");
    }

    @Test
    void streamsTheReadmesChatCompletion() throws Exception {
        HttpResponse<String> answer = post("/v1/chat/completions", "authorization", "Bearer " + KEY,
                "{\"model\":\"demo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hello from curl\"}]}");

        assertIsEventStream(answer);
        StringBuilder text = new StringBuilder();
        for (JsonNode chunk : dataLines(answer.body())) {
            text.append(chunk.at("/choices/0/delta/content").asText(""));
        }
        assertThat(text.toString()).isEqualTo("hello from curl");
        assertThat(answer.body()).endsWith("data: [DONE]\n\n");
    }

    @Test
    void answersAnAnthropicClientThroughTranslation() throws Exception {
        HttpResponse<String> answer = post("/v1/messages", "x-api-key", KEY,
                "{\"model\":\"demo\",\"max_tokens\":256,\"messages\":[{\"role\":\"user\",\"content\":\"hello from curl\"}]}");

        assertThat(answer.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(answer.body());
        assertThat(body.path("type").asText()).isEqualTo("message");
        assertThat(body.at("/content/0/text").asText()).isEqualTo("hello from curl");
        assertThat(body.path("stop_reason").asText()).isEqualTo("end_turn");
    }

    @Test
    void lowersTheLargeAnswerBudgetClaudeCodeAsksFor() throws Exception {
        // Claude Code asks for 32,000 tokens, beyond the demo's window: its max-output-tokens lowers them
        HttpResponse<String> answer = post("/v1/messages", "x-api-key", KEY,
                "{\"model\":\"demo\",\"max_tokens\":32000,\"stream\":true,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hello from claude\"}]}");

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).contains("event: message_start").contains("hello ").contains("event: message_stop");
    }

    @Test
    void answersTheResponsesApi() throws Exception {
        HttpResponse<String> answer = post("/v1/responses", "authorization", "Bearer " + KEY,
                "{\"model\":\"demo\",\"input\":\"hello from the responses API\"}");

        assertThat(answer.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(answer.body());
        assertThat(body.path("object").asText()).isEqualTo("response");
        assertThat(body.path("id").asText()).startsWith("resp_");
        assertThat(body.path("status").asText()).isEqualTo("completed");
        assertThat(body.path("model").asText()).isEqualTo("demo");
        JsonNode message = body.at("/output/0");
        assertThat(message.path("type").asText()).isEqualTo("message");
        assertThat(message.path("role").asText()).isEqualTo("assistant");
        assertThat(message.at("/content/0/type").asText()).isEqualTo("output_text");
        assertThat(message.at("/content/0/text").asText()).isEqualTo("hello from the responses API");
        assertThat(body.at("/usage/input_tokens").asInt()).isPositive();
        assertThat(body.at("/usage/total_tokens").asInt())
                .isEqualTo(body.at("/usage/input_tokens").asInt() + body.at("/usage/output_tokens").asInt());
    }

    @Test
    void echoesTheLastUserItemOfAResponsesInputList() throws Exception {
        HttpResponse<String> answer = post("/v1/responses", "authorization", "Bearer " + KEY, """
                {"model":"demo","input":[
                  {"role":"user","content":"first"},
                  {"type":"message","role":"assistant","content":[{"type":"output_text","text":"first"}]},
                  {"type":"message","role":"user","content":[{"type":"input_text","text":"second"}]}]}""");

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(answer.body()).at("/output/0/content/0/text").asText()).isEqualTo("second");
    }

    @Test
    void streamsTheResponsesApiEventByEvent() throws Exception {
        HttpResponse<String> answer = post("/v1/responses", "authorization", "Bearer " + KEY,
                "{\"model\":\"demo\",\"stream\":true,\"input\":\"hello from the responses API\"}");

        assertIsEventStream(answer);
        List<JsonNode> events = dataLines(answer.body());
        List<String> types = events.stream().map(event -> event.path("type").asText()).distinct().toList();
        assertThat(types).containsExactly("response.created", "response.output_item.added",
                "response.content_part.added", "response.output_text.delta", "response.output_text.done",
                "response.content_part.done", "response.output_item.done", "response.completed");
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i).path("sequence_number").asInt()).isEqualTo(i);
            if ("response.output_text.delta".equals(events.get(i).path("type").asText())) {
                text.append(events.get(i).path("delta").asText());
            }
        }
        assertThat(text.toString()).isEqualTo("hello from the responses API");
        JsonNode completed = events.get(events.size() - 1).path("response");
        assertThat(completed.path("status").asText()).isEqualTo("completed");
        assertThat(completed.at("/output/0/content/0/text").asText()).isEqualTo("hello from the responses API");
        // each event also names its type on an event: line, as the API sends it
        assertThat(answer.body()).contains("event: response.created\ndata: {");
    }

    @Test
    void logsNoWarningFromStartToAnAnswer() throws Exception {
        HttpResponse<String> answer = post("/v1/chat/completions", "authorization", "Bearer " + KEY,
                "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(answer.statusCode()).isEqualTo(200);

        // a first start is where a user reads the log: nothing in it may look like something went wrong
        assertThat(sluice.logText().lines().filter(line -> line.contains(" WARN ") || line.contains(" ERROR ")))
                .as("WARN and ERROR lines of a start in demo mode").isEmpty();
    }

    @Test
    void refusesAnotherModelWithItsEnvelope() throws Exception {
        HttpResponse<String> answer = post("/v1/responses", "authorization", "Bearer " + KEY,
                "{\"model\":\"gpt-4o\",\"input\":\"hi\"}");

        assertThat(answer.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(answer.body()).at("/error/code").asText()).isEqualTo("model_not_found");
    }

    private static HttpResponse<String> post(String path, String header, String value, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(sluice.url(path)))
                .header("content-type", "application/json").header(header, value)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if ("x-api-key".equals(header)) {
            request.header("anthropic-version", "2023-06-01");
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertIsEventStream(HttpResponse<String> answer) {
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.headers().firstValue("content-type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/event-stream"));
    }

    /** The JSON of each {@code data:} line of an event stream, leaving out {@code [DONE]}. */
    private static List<JsonNode> dataLines(String stream) throws Exception {
        List<JsonNode> data = new ArrayList<>();
        for (String line : stream.split("\n")) {
            if (line.startsWith("data: ") && !line.equals("data: [DONE]")) {
                data.add(JSON.readTree(line.substring("data: ".length())));
            }
        }
        return data;
    }
}
