package dev.sluice.testing;

import dev.sluice.routing.Protocol;
import java.util.List;
import java.util.Map;

/**
 * The models the request checks are tested against, shared by {@link ProxyProfile} (end to end) and the unit tests
 * of {@code dev.sluice.validation} (which build the same catalogue without Quarkus), so that a fixture's expected
 * answer holds in both. None has an {@code upstream-model}: bodies go upstream byte for byte.
 */
public final class ValidationModels {

    /** One model: its name, protocol, context window and unsupported parameters. */
    public record Spec(String name, Protocol protocol, int contextWindow, List<String> unsupportedParameters) {
    }

    /** The test backend behind every OpenAI model here. */
    public static final String OPENAI_BACKEND = "v";
    /** The test backend behind every Anthropic model here. */
    public static final String ANTHROPIC_BACKEND = "w";

    public static final List<Spec> MODELS = List.of(
            new Spec("tiny-1k", Protocol.OPENAI, 1024, List.of()),
            new Spec("small-4k", Protocol.OPENAI, 4096, List.of("logit_bias", "top_logprobs")),
            new Spec("mid-16k", Protocol.OPENAI, 16384, List.of()),
            new Spec("large-128k", Protocol.OPENAI, 131072, List.of()),
            new Spec("claude-8k", Protocol.ANTHROPIC, 8192, List.of("top_k")),
            new Spec("claude-200k", Protocol.ANTHROPIC, 200000, List.of()));

    /** The model every valid OpenAI request is sent to: a window that fits, nothing unsupported. */
    public static final String OPENAI_ROOMY = "large-128k";
    /** The model every valid Anthropic request is sent to. */
    public static final String ANTHROPIC_ROOMY = "claude-200k";

    private ValidationModels() {
    }

    static void configure(Map<String, String> config) {
        for (Spec spec : MODELS) {
            String path = "sluice.models." + spec.name();
            String backend = spec.protocol() == Protocol.OPENAI ? OPENAI_BACKEND : ANTHROPIC_BACKEND;
            config.put(path + ".protocol", spec.protocol().wire());
            config.put(path + ".context-window", Integer.toString(spec.contextWindow()));
            for (int i = 0; i < spec.unsupportedParameters().size(); i++) {
                config.put(path + ".unsupported-parameters[" + i + "]", spec.unsupportedParameters().get(i));
            }
            config.put(path + ".backends[0].name", backend + "-" + spec.name());
            config.put(path + ".backends[0].url", BackendsResource.url(backend));
        }
    }
}
