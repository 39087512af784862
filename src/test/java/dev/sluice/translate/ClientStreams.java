package dev.sluice.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.routing.Protocol;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks that a translated stream is one a client of its protocol reads without surprise: complete ({@code [DONE]}
 * or {@code message_stop} last, every block opened and closed in order) or ended by exactly one error event, and
 * nothing after either. Parses the client's bytes independently of the production reader.
 */
final class ClientStreams {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ClientStreams() {
    }

    /** One event as the client reads it. */
    record Event(String type, String data) {
        JsonNode json() {
            try {
                return MAPPER.readTree(data);
            } catch (IOException e) {
                return null;
            }
        }
    }

    static List<Event> events(String stream) {
        List<Event> events = new ArrayList<>();
        for (String block : stream.split("\n\n", -1)) {
            if (block.isEmpty()) {
                continue;
            }
            String type = null;
            StringBuilder data = new StringBuilder();
            for (String line : block.split("\n")) {
                if (line.startsWith("event: ")) {
                    type = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    data.append(data.isEmpty() ? "" : "\n").append(line.substring(6));
                } else {
                    data.append("<unexpected line: ").append(line).append('>');
                }
            }
            events.add(new Event(type, data.toString()));
        }
        return events;
    }

    /** What is wrong with the client stream; empty when it is well formed. */
    static List<String> problems(Translation translation, String stream) {
        List<String> problems = new ArrayList<>();
        if (!stream.isEmpty() && !stream.endsWith("\n\n")) {
            problems.add("the stream does not end with a blank line");
        }
        List<Event> events = events(stream);
        int errors = 0;
        for (int i = 0; i < events.size(); i++) {
            if ("error".equals(events.get(i).type())) {
                errors++;
                if (i != events.size() - 1) {
                    problems.add("an error event is not the last event");
                }
                checkErrorEvent(translation, events.get(i), problems);
            }
        }
        if (errors > 1) {
            problems.add(errors + " error events");
        }
        boolean failed = errors > 0;
        List<Event> body = failed ? events.subList(0, events.size() - 1) : events;
        if (translation.client() == Protocol.OPENAI) {
            checkChunks(body, failed, problems);
        } else {
            checkMessageEvents(body, failed, problems);
        }
        return problems;
    }

    private static void checkErrorEvent(Translation translation, Event event, List<String> problems) {
        JsonNode json = event.json();
        if (json == null) {
            problems.add("the error event's data is not JSON");
            return;
        }
        JsonNode error = json.path("error");
        if (translation.client() == Protocol.ANTHROPIC && !"error".equals(json.path("type").asText())) {
            problems.add("the Anthropic error event is not wrapped as {type: error}");
        }
        if (translation.client() == Protocol.OPENAI && json.has("type")) {
            problems.add("the OpenAI error event is wrapped");
        }
        if (!"backend_stream_error".equals(error.path("code").asText())
                || !"router".equals(error.path("origin").asText())
                || !error.path("request_id").isTextual()) {
            problems.add("the error event's envelope is not backend_stream_error from the router: " + event.data());
        }
    }

    private static void checkChunks(List<Event> events, boolean failed, List<String> problems) {
        String id = null;
        int finishes = 0;
        int toolCalls = 0;
        // each call's arguments as a client gathers them (by index)
        List<StringBuilder> arguments = new ArrayList<>();
        boolean done = false;
        boolean usage = false;
        for (int i = 0; i < events.size(); i++) {
            Event event = events.get(i);
            if (done) {
                problems.add("an event after [DONE]");
            }
            if (event.type() != null) {
                problems.add("an OpenAI chunk with an event name: " + event.type());
            }
            if (event.data().equals("[DONE]")) {
                done = true;
                continue;
            }
            JsonNode chunk = event.json();
            if (chunk == null || !"chat.completion.chunk".equals(chunk.path("object").asText())) {
                problems.add("not a chat.completion.chunk: " + event.data());
                continue;
            }
            if (id == null) {
                id = chunk.path("id").asText();
            } else if (!id.equals(chunk.path("id").asText())) {
                problems.add("chunks with different ids");
            }
            if (usage) {
                problems.add("a chunk after the usage chunk");
            }
            JsonNode choices = chunk.path("choices");
            if (choices.isEmpty()) {
                usage = true;
                if (!chunk.path("usage").isObject()) {
                    problems.add("a chunk with no choices and no usage");
                }
                continue;
            }
            JsonNode choice = choices.get(0);
            if (i == 0 && !"assistant".equals(choice.path("delta").path("role").asText())) {
                problems.add("the first chunk has no role");
            }
            if (finishes > 0) {
                problems.add("a delta after the finish reason");
            }
            for (JsonNode call : choice.path("delta").path("tool_calls")) {
                int index = call.path("index").asInt(-1);
                if (call.has("id")) {
                    if (index != toolCalls) {
                        problems.add("tool call " + toolCalls + " has index " + call.path("index"));
                    }
                    toolCalls++;
                    arguments.add(new StringBuilder());
                } else if (index < 0 || index >= toolCalls) {
                    // a call's arguments may come after the next call began (clients gather them by index), never
                    // before the call itself began
                    problems.add("arguments for tool call " + call.path("index") + " before it began");
                    continue;
                }
                if (index >= 0 && index < arguments.size()) {
                    arguments.get(index).append(call.path("function").path("arguments").asText(""));
                }
            }
            if (!choice.path("finish_reason").isNull()) {
                finishes++;
            }
        }
        if (!failed && !done) {
            problems.add("the stream neither ends with [DONE] nor with an error event");
        }
        if (!failed && finishes != 1) {
            problems.add(finishes + " chunks with a finish reason");
        }
        for (int i = 0; i < arguments.size() && !failed; i++) {
            // the SDKs parse a finished call's arguments (JSON.parse, json.loads), and "" is not JSON. (The bytes of
            // arguments that are there pass as the backend wrote them: whether they are JSON is known only at the end.)
            if (arguments.get(i).isEmpty()) {
                problems.add("tool call " + i + " ends with no arguments, not even {}");
            }
        }
    }

    private static void checkMessageEvents(List<Event> events, boolean failed, List<String> problems) {
        int nextIndex = 0;
        int open = -1;
        boolean started = false;
        boolean delta = false;
        boolean stopped = false;
        for (Event event : events) {
            JsonNode data = event.json();
            if (data == null) {
                problems.add("an event whose data is not JSON: " + event.data());
                continue;
            }
            String type = data.path("type").asText();
            if (!type.equals(event.type())) {
                problems.add("event " + event.type() + " carries data of type " + type);
            }
            if (stopped) {
                problems.add("an event after message_stop");
            }
            if (!started && !type.equals("message_start")) {
                problems.add("the first event is " + type);
            }
            switch (type) {
                case "message_start" -> {
                    if (started) {
                        problems.add("a second message_start");
                    }
                    started = true;
                }
                case "content_block_start" -> {
                    if (open >= 0) {
                        problems.add("block " + data.path("index") + " opened while " + open + " is open");
                    }
                    if (data.path("index").asInt(-1) != nextIndex) {
                        problems.add("block " + data.path("index") + " opened where " + nextIndex + " was next");
                    }
                    open = data.path("index").asInt(-1);
                    nextIndex++;
                }
                case "content_block_delta" -> {
                    if (open < 0 || data.path("index").asInt(-1) != open) {
                        problems.add("a delta for block " + data.path("index") + " while " + open + " is open");
                    }
                }
                case "content_block_stop" -> {
                    if (open < 0 || data.path("index").asInt(-1) != open) {
                        problems.add("block " + data.path("index") + " closed while " + open + " is open");
                    }
                    open = -1;
                }
                case "message_delta" -> {
                    if (open >= 0) {
                        problems.add("message_delta while block " + open + " is open");
                    }
                    delta = true;
                }
                case "message_stop" -> stopped = true;
                case "ping" -> {
                }
                default -> problems.add("an unknown event " + type);
            }
        }
        if (!failed && !(stopped && delta)) {
            problems.add("the stream neither ends with message_delta and message_stop nor with an error event");
        }
    }
}
