package dev.sluice.routing;

import java.util.List;
import java.util.Set;

/**
 * A model as clients name it, with everything needed to serve it: the name its backends know, its protocol, the
 * checks that apply to it, its price, its backends and its fallbacks. Immutable; built once at start-up.
 *
 * @param auto true when the proxy may choose it for {@code model: "auto"} (contract §6.7)
 * @param hedge its hedging (contract §6.6), or null for attempts one after another
 */
public record ModelRoute(String name, String upstreamModel, Protocol protocol, int contextWindow,
        int defaultMaxTokens, Integer maxOutputTokens, Price price, List<String> fallbacks,
        Set<String> unsupportedParameters, List<Backend> backends, UpstreamSettings upstream, boolean auto, Hedge hedge) {

    /**
     * The answer budget a request may ask of this model: its own ask lowered to {@code max-output-tokens} (contract
     * §7), or null when it asked for none.
     */
    public Integer cappedMaxTokens(Integer asked) {
        if (asked == null || maxOutputTokens == null) {
            return asked;
        }
        return Math.min(asked, maxOutputTokens);
    }

    /** True when the model has a context window to check against. */
    public boolean hasContextWindow() {
        return contextWindow > 0;
    }
}
