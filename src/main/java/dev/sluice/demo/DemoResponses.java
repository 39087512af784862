package dev.sluice.demo;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The demo backend's answer to {@code POST /v1/responses} (OpenAI's Responses API, what the newest SDKs call by
 * default): one assistant message echoing the last user input, as a {@code response} object or as the API's event
 * stream ({@code response.created} … {@code response.completed}).
 */
final class DemoResponses {

    private DemoResponses() {
    }

    static void answer(JsonObject request, HttpServerResponse response) {
        String model = DemoBackend.model(request);
        String prompt = prompt(request.getValue("input"));
        String reply = DemoBackend.reply(prompt);
        int inputTokens = DemoBackend.tokens(prompt);
        int outputTokens = DemoBackend.tokens(reply);
        JsonObject usage = new JsonObject().put("input_tokens", inputTokens)
                .put("input_tokens_details", new JsonObject().put("cached_tokens", 0))
                .put("output_tokens", outputTokens)
                .put("output_tokens_details", new JsonObject().put("reasoning_tokens", 0))
                .put("total_tokens", inputTokens + outputTokens);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String id = "resp_demo" + Long.toHexString(random.nextLong());
        String messageId = "msg_demo" + Long.toHexString(random.nextLong());
        long createdAt = System.currentTimeMillis() / 1000;
        JsonObject done = response(id, createdAt, model, "completed")
                .put("output", new JsonArray().add(message(messageId, "completed", reply)))
                .put("usage", usage);
        if (!Boolean.TRUE.equals(request.getValue("stream"))) {
            response.putHeader("content-type", "application/json").end(done.toBuffer());
            return;
        }
        response.setChunked(true).putHeader("content-type", "text/event-stream").putHeader("cache-control", "no-cache");
        Events events = new Events(response);
        events.send("response.created", new JsonObject().put("response", response(id, createdAt, model, "in_progress")
                .put("output", new JsonArray())));
        events.send("response.output_item.added", new JsonObject().put("output_index", 0)
                .put("item", message(messageId, "in_progress", null)));
        events.send("response.content_part.added", part(messageId).put("part", outputText("")));
        for (String word : DemoBackend.words(reply)) {
            events.send("response.output_text.delta", part(messageId).put("delta", word).put("logprobs", new JsonArray()));
        }
        events.send("response.output_text.done", part(messageId).put("text", reply).put("logprobs", new JsonArray()));
        events.send("response.content_part.done", part(messageId).put("part", outputText(reply)));
        events.send("response.output_item.done", new JsonObject().put("output_index", 0)
                .put("item", message(messageId, "completed", reply)));
        events.send("response.completed", new JsonObject().put("response", done));
        response.end();
    }

    /** {@code input} is a string, or items of which the last user message counts. */
    private static String prompt(Object input) {
        return input instanceof String text ? text : DemoBackend.lastUserText(input);
    }

    private static JsonObject response(String id, long createdAt, String model, String status) {
        return new JsonObject().put("id", id).put("object", "response").put("created_at", createdAt)
                .put("status", status).put("model", model).put("error", null).put("incomplete_details", null);
    }

    /** The assistant's message item; without content while it is in progress. */
    private static JsonObject message(String id, String status, String text) {
        JsonArray content = new JsonArray();
        if (text != null) {
            content.add(outputText(text));
        }
        return new JsonObject().put("id", id).put("type", "message").put("status", status).put("role", "assistant")
                .put("content", content);
    }

    private static JsonObject outputText(String text) {
        return new JsonObject().put("type", "output_text").put("text", text).put("annotations", new JsonArray());
    }

    /** The fields that place an event in the one message's one text part. */
    private static JsonObject part(String messageId) {
        return new JsonObject().put("item_id", messageId).put("output_index", 0).put("content_index", 0);
    }

    /** Writes {@code event:} and {@code data:} lines, numbering the events as the API does. */
    private static final class Events {

        private final HttpServerResponse response;
        private int sequence;

        Events(HttpServerResponse response) {
            this.response = response;
        }

        void send(String type, JsonObject fields) {
            JsonObject data = new JsonObject().put("type", type).put("sequence_number", sequence++);
            data.mergeIn(fields);
            response.write(Buffer.buffer("event: " + type + "\ndata: ").appendBuffer(data.toBuffer())
                    .appendString("\n\n"));
        }
    }
}
