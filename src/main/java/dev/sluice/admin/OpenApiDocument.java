package dev.sluice.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.vertx.http.ManagementInterface;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Serves the admin API's OpenAPI document ({@code META-INF/openapi.yaml}, written by hand) on the management interface
 * at {@code /q/openapi}: YAML by default; JSON with {@code ?format=json}, an {@code Accept} of
 * {@code application/json}, or at {@code /q/openapi.json} ({@code /q/openapi.yaml} and {@code .yml} ask for YAML).
 *
 * <p>Why not the SmallRye OpenAPI extension: with nothing to scan it only served this file, yet at every start it
 * parsed the file into its model and wrote it out again, as JSON and as YAML, on the main thread: about a quarter of
 * Quarkus' start-up in a JFR recording of it. Here the file is read on the first request for it, off the event loop,
 * and kept.
 */
@Singleton
public class OpenApiDocument {

    static final String RESOURCE = "META-INF/openapi.yaml";
    static final String YAML = "application/yaml;charset=UTF-8";
    static final String JSON = "application/json;charset=UTF-8";

    /** The document as served, both forms. */
    record Forms(byte[] yaml, byte[] json) {
    }

    private final Vertx vertx;
    private volatile Future<Forms> forms;

    OpenApiDocument(Vertx vertx) {
        this.vertx = vertx;
    }

    void register(@Observes ManagementInterface management) {
        Router router = management.router();
        for (String path : new String[] {"/q/openapi", "/q/openapi.json", "/q/openapi.yaml", "/q/openapi.yml"}) {
            router.route(path).method(HttpMethod.GET).method(HttpMethod.HEAD).handler(this::serve);
        }
    }

    void serve(RoutingContext context) {
        boolean json = wantsJson(context);
        forms().onComplete(read -> {
            HttpServerResponse response = context.response();
            if (read.failed()) {
                context.fail(read.cause());
                return;
            }
            byte[] body = json ? read.result().json() : read.result().yaml();
            response.putHeader("content-type", json ? JSON : YAML);
            response.end(Buffer.buffer(body));
        });
    }

    /** {@code format} first, then the path's suffix, then {@code Accept}; YAML when none says. */
    static boolean wantsJson(RoutingContext context) {
        String format = context.request().getParam("format");
        if (format != null) {
            return format.toLowerCase(Locale.ROOT).equals("json");
        }
        String path = context.request().path();
        if (path.endsWith(".json")) {
            return true;
        }
        if (path.endsWith(".yaml") || path.endsWith(".yml")) {
            return false;
        }
        String accept = context.request().getHeader("accept");
        return accept != null && accept.toLowerCase(Locale.ROOT).contains("application/json");
    }

    private Future<Forms> forms() {
        Future<Forms> read = forms;
        if (read == null || read.failed()) {
            synchronized (this) {
                read = forms;
                if (read == null || read.failed()) {
                    read = vertx.executeBlocking(OpenApiDocument::read, false);
                    forms = read;
                }
            }
        }
        return read;
    }

    /** Reads the file and writes its JSON form. */
    static Forms read() {
        byte[] yaml;
        try (InputStream in = OpenApiDocument.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCE);
            }
            yaml = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Object tree = plainYaml().load(new String(yaml, StandardCharsets.UTF_8));
        try {
            return new Forms(yaml, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(tree));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the OpenAPI document does not convert to JSON", e);
        }
    }

    /** A YAML reader that keeps dates as the strings they are written as, as JSON has them. */
    private static Yaml plainYaml() {
        DumperOptions dumper = new DumperOptions();
        Resolver withoutTimestamps = new Resolver() {
            @Override
            protected void addImplicitResolvers() {
                addImplicitResolver(Tag.BOOL, BOOL, "yYnNtTfFoO");
                addImplicitResolver(Tag.INT, INT, "-+0123456789");
                addImplicitResolver(Tag.FLOAT, FLOAT, "-+0123456789.");
                addImplicitResolver(Tag.MERGE, MERGE, "<");
                addImplicitResolver(Tag.NULL, NULL, "~nN\0");
                addImplicitResolver(Tag.NULL, EMPTY, null);
            }
        };
        return new Yaml(new SafeConstructor(new LoaderOptions()), new Representer(dumper), dumper, withoutTimestamps);
    }
}
