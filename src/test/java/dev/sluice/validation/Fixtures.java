package dev.sluice.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.body.BodyScanner;
import dev.sluice.body.RequestBody;
import dev.sluice.error.ProxyError;
import dev.sluice.api.Endpoint;
import dev.sluice.routing.ModelRoute;
import dev.sluice.routing.Price;
import dev.sluice.routing.Protocol;
import dev.sluice.testing.ValidationModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The request fixtures under {@code src/test/resources/validation}, and the request path of the checks without the
 * HTTP server (scan, shape checks, model lookup, model checks), as the request path's stages run it.
 *
 * <p>An invalid fixture is {@code {"endpoint", "body" | "raw", "expect": {"status", "type", "code", "param",
 * "fields"}}}; {@code raw} is a body given as text (for bodies that are not JSON). A valid fixture is a request body
 * exactly as an SDK sends it, in a folder named after its endpoint.
 */
final class Fixtures {

    static final ObjectMapper MAPPER = new ObjectMapper();

    /** The folders of the valid corpus and the endpoint each one's requests go to. */
    static final Map<String, Endpoint> VALID_FOLDERS = Map.of(
            "chat-completions", Endpoint.CHAT_COMPLETIONS,
            "completions", Endpoint.COMPLETIONS,
            "embeddings", Endpoint.EMBEDDINGS,
            "responses", Endpoint.RESPONSES,
            "messages", Endpoint.MESSAGES);

    /** The key's models as the end-to-end profile configures them, windowless models included. */
    static final List<ModelRoute> CATALOG = catalog();

    private Fixtures() {
    }

    /** A bad request and the answer it must get. */
    record Invalid(String name, Endpoint endpoint, byte[] body, JsonNode expect) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** A request an SDK sends, which every check must let through. */
    record Valid(String name, Endpoint endpoint, byte[] body) {
        @Override
        public String toString() {
            return name;
        }

        /** The same bytes with the model value replaced by the model the test sends it to. */
        byte[] forModel(String model) {
            RequestBody scanned = BodyScanner.scan(body, body.length, false);
            return scanned.forUpstream(model).getBytes();
        }

        String roomyModel() {
            return endpoint.protocol() == Protocol.ANTHROPIC ? ValidationModels.ANTHROPIC_ROOMY
                    : ValidationModels.OPENAI_ROOMY;
        }
    }

    static List<Invalid> invalid() {
        List<Invalid> fixtures = new ArrayList<>();
        for (Path file : files("validation/invalid")) {
            JsonNode fixture = read(file);
            Endpoint endpoint = Endpoint.byPath(fixture.path("endpoint").asText());
            if (endpoint == null) {
                throw new IllegalStateException(file + ": unknown endpoint");
            }
            byte[] body = fixture.has("raw") ? fixture.get("raw").asText().getBytes(StandardCharsets.UTF_8)
                    : write(fixture.get("body"));
            fixtures.add(new Invalid(name(file, "validation/invalid"), endpoint, body, fixture.get("expect")));
        }
        return fixtures;
    }

    static List<Valid> valid() {
        List<Valid> fixtures = new ArrayList<>();
        for (Path file : files("validation/valid")) {
            String folder = file.getParent().getFileName().toString();
            Endpoint endpoint = VALID_FOLDERS.get(folder);
            if (endpoint == null) {
                throw new IllegalStateException(file + ": no endpoint for folder " + folder);
            }
            try {
                fixtures.add(new Valid(name(file, "validation/valid"), endpoint, Files.readAllBytes(file)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return fixtures;
    }

    /**
     * Runs the checks as the proxy does: scan with a tree, shape, model lookup among {@link #CATALOG}, model checks.
     *
     * @return the error the proxy answers, or null when the request would be forwarded
     */
    static ProxyError check(Endpoint endpoint, byte[] body) {
        try {
            RequestBody scanned = BodyScanner.scan(body, body.length, true);
            RequestValidator.checkShape(endpoint, scanned.tree());
            ModelRoute model = model(scanned.model(), endpoint.protocol());
            RequestValidator.checkForModel(endpoint, scanned.tree(), model, scanned.maxTokens(),
                    TokenEstimator.promptTokens(endpoint, scanned.tree()), () -> reachable(endpoint));
            return null;
        } catch (ProxyError error) {
            return error;
        }
    }

    static ModelRoute model(String name, Protocol protocol) {
        for (ModelRoute model : CATALOG) {
            if (model.name().equals(name) && model.protocol() == protocol) {
                return model;
            }
        }
        throw new AssertionError("the fixture names model '" + name + "', which the test catalogue does not have");
    }

    /** The models a request on this endpoint may name (chat completions and messages reach both protocols). */
    static List<ModelRoute> reachable(Endpoint endpoint) {
        return CATALOG.stream().filter(model -> endpoint.reaches(model.protocol())).toList();
    }

    static ModelRoute route(String name, Protocol protocol, int contextWindow, Set<String> unsupported) {
        return new ModelRoute(name, name, protocol, contextWindow, 1024, null, Price.FREE, List.of(), unsupported,
                List.of(), null, false, null);
    }

    private static List<ModelRoute> catalog() {
        List<ModelRoute> models = new ArrayList<>();
        // windowless models, as most models of the end-to-end profile are: never suggested
        models.add(route("unbounded", Protocol.OPENAI, 0, Set.of()));
        models.add(route("claude", Protocol.ANTHROPIC, 0, Set.of()));
        for (ValidationModels.Spec spec : ValidationModels.MODELS) {
            models.add(route(spec.name(), spec.protocol(), spec.contextWindow(), Set.copyOf(spec.unsupportedParameters())));
        }
        return List.copyOf(models);
    }

    private static List<Path> files(String resource) {
        URL url = Fixtures.class.getClassLoader().getResource(resource);
        if (url == null) {
            throw new IllegalStateException("no test resource " + resource);
        }
        try (Stream<Path> walk = Files.walk(Path.of(url.toURI()))) {
            return walk.filter(path -> path.toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String name(Path file, String resource) {
        String path = file.toString().replace('\\', '/');
        return path.substring(path.indexOf(resource) + resource.length() + 1);
    }

    private static JsonNode read(Path file) {
        try {
            return MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] write(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
