package dev.sluice.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.body.BodyScanner;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The golden fixtures under {@code src/test/resources/translation/<direction>/<kind>/<case>/}, one folder per case:
 *
 * <ul>
 *   <li>{@code requests}: {@code client.json} → {@code backend.json} exactly (as JSON), or {@code error.json}
 *       ({@code {"code", "param"}}) for a request refused before anything is sent. {@code model.json} optionally
 *       gives {@code upstream_model}, {@code default_max_tokens}, {@code max_output_tokens}.
 *   <li>{@code answers}: {@code backend.json} (raw bytes, maybe broken) → {@code client.json} exactly, or no
 *       {@code client.json} when the answer is an {@code invalid_provider_response}.
 *   <li>{@code streams}: {@code backend.sse} → {@code client.sse} byte for byte.
 * </ul>
 *
 * <p>Answers and streams may have {@code request.json}, the client's request (default: {@link #defaultRequest}).
 * Generated ids and {@code created} are normalised before comparing. With {@code -Dtranslation.record=true} a
 * missing expected file is written from the actual output, to be reviewed before it is committed.
 */
final class Golden {

    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    static final String REQUEST_ID = "req_000000000000";
    static final String CLIENT_MODEL = "client-model";

    private static final Pattern CHAT_ID = Pattern.compile("\"chatcmpl-[0-9A-Za-z]{29}\"");
    private static final Pattern MESSAGE_ID = Pattern.compile("\"msg_[0-9A-Za-z]{24}\"");
    private static final Pattern GENERATED_TOOL_ID = Pattern.compile("\"(toolu|call)_[0-9A-Za-z]{24}\"");
    private static final Pattern CREATED = Pattern.compile("\"created\":[0-9]+");

    private Golden() {
    }

    /** One fixture folder. */
    record Case(Translation translation, String kind, String name, Path folder) {
        @Override
        public String toString() {
            return translation.headerValue() + "/" + kind + "/" + name;
        }

        boolean has(String file) {
            return Files.exists(folder.resolve(file));
        }

        byte[] bytes(String file) {
            try {
                return Files.readAllBytes(folder.resolve(file));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        String text(String file) {
            return new String(bytes(file), StandardCharsets.UTF_8);
        }

        JsonNode json(String file) {
            try {
                return MAPPER.readTree(bytes(file));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /**
         * A client's request as the proxy reads it: the body scan's tree, whose long strings are still the body's bytes
         * ({@link dev.sluice.body.LazyTextNode}) when the translation reads them.
         */
        ObjectNode scanned(String file) {
            byte[] bytes = bytes(file);
            return BodyScanner.scan(bytes, bytes.length, true).tree();
        }

        /** The client's request translated with the case's model settings (or the defaults). */
        TranslatedRequest translate(String requestFile) {
            ObjectNode request = has(requestFile) ? scanned(requestFile) : defaultRequest(translation, kind);
            JsonNode model = has("model.json") ? json("model.json") : MAPPER.createObjectNode();
            JsonNode cap = model.get("max_output_tokens");
            return translation.request(request, model.path("upstream_model").asText("upstream-model"),
                    model.path("default_max_tokens").asInt(1024), cap == null || cap.isNull() ? null : cap.asInt());
        }

        /** Writes an expected file that is missing, when recording. */
        boolean record(String file, String content) {
            if (!Boolean.getBoolean("translation.record") || has(file)) {
                return false;
            }
            try {
                Path source = Path.of("src/test/resources/translation", translation.headerValue(), kind, name, file);
                Files.writeString(source, content);
                return true;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static List<Case> cases(String kind) {
        List<Case> cases = new ArrayList<>();
        for (Translation translation : Translation.values()) {
            Path root = resource("translation/" + translation.headerValue() + "/" + kind);
            if (root == null) {
                continue;
            }
            try (Stream<Path> folders = Files.list(root)) {
                folders.filter(Files::isDirectory).sorted()
                        .forEach(folder -> cases.add(new Case(translation, kind, folder.getFileName().toString(), folder)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return cases;
    }

    /** A minimal request of the client's protocol for client model {@link #CLIENT_MODEL}; streaming for streams. */
    static ObjectNode defaultRequest(Translation translation, String kind) {
        ObjectNode request = MAPPER.createObjectNode().put("model", CLIENT_MODEL);
        request.putArray("messages").addObject().put("role", "user").put("content", "Hello");
        if (translation.client() == dev.sluice.routing.Protocol.ANTHROPIC) {
            request.put("max_tokens", 1024);
        }
        if (kind.equals("streams")) {
            request.put("stream", true);
        }
        return request;
    }

    /** Generated ids and timestamps replaced by fixed values. */
    static String normalise(String text) {
        text = CHAT_ID.matcher(text).replaceAll("\"chatcmpl-ID\"");
        text = MESSAGE_ID.matcher(text).replaceAll("\"msg_ID\"");
        text = GENERATED_TOOL_ID.matcher(text).replaceAll("\"$1_GENERATED\"");
        return CREATED.matcher(text).replaceAll("\"created\":0");
    }

    static JsonNode normalisedJson(Buffer buffer) {
        try {
            return MAPPER.readTree(normalise(buffer.toString(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String pretty(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a whole backend stream through a fresh translator in the given reads; the client's bytes. */
    static String stream(TranslatedRequest request, List<byte[]> reads) {
        Buffer out = Buffer.buffer();
        StreamTranslator translator = request.streamTranslator(REQUEST_ID, out::appendBuffer);
        for (byte[] read : reads) {
            translator.accept(Buffer.buffer(read));
        }
        translator.end();
        return out.toString(StandardCharsets.UTF_8);
    }

    private static Path resource(String name) {
        URL url = Golden.class.getClassLoader().getResource(name);
        if (url == null) {
            return null;
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
