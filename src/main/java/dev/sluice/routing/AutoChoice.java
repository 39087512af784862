package dev.sluice.routing;

import dev.sluice.error.ErrorCode;
import dev.sluice.error.ProxyError;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Automatic model choice (contract §6.7): for a request whose {@code model} is {@code ""} or {@code "auto"}, the
 * candidates are the key's models with {@code auto: true} reachable on the endpoint. A candidate is filtered out
 * when the request does not fit its context window (its answer budget lowered to {@code max-output-tokens}), when
 * every one of its backends is skipped (breaker open or marked down), or when it lists a parameter of the request as
 * unsupported or the request cannot be carried to it (a parameter its protocol's translation cannot carry), checked
 * in that order (the first that applies is its reason). The rest are ordered cheapest first (input plus output price per 1k tokens; free is 0),
 * then by larger context window (a model without one counts as the largest: nothing limits it), then by name: the
 * first serves, the others are its fallbacks.
 *
 * <p>Pure apart from reading the backends' live availability; safe on any thread.
 */
public final class AutoChoice {

    /** Why a candidate was left out, as sent in {@code filtered}. */
    public static final String CONTEXT_WINDOW = "context_window";
    public static final String UNHEALTHY = "unhealthy";
    public static final String UNSUPPORTED_PARAMETER = "unsupported_parameter";

    private static final Comparator<ModelRoute> CHEAPEST_FIRST = Comparator
            .comparingDouble((ModelRoute model) -> model.price().inputPer1k() + model.price().outputPer1k())
            .thenComparing(AutoChoice::window, Comparator.reverseOrder())
            .thenComparing(ModelRoute::name);

    private AutoChoice() {
    }

    /** What the choice came to: the candidates in order, or why there is none. */
    public sealed interface Choice {
    }

    /** The candidates in order: the first serves, the others are its fallbacks. Never empty. */
    public record Candidates(List<ModelRoute> models) implements Choice {
    }

    /** Every candidate was filtered out (or the key has none): {@code filtered} lists them, by name. */
    public record NoneLeft(List<Filtered> filtered) implements Choice {

        /** 503 {@code model_router_error} with {@code filtered}. */
        public ProxyError error() {
            JsonArray list = new JsonArray();
            filtered.forEach(entry -> list.add(entry.toJson()));
            String message = filtered.isEmpty()
                    ? "No model can be chosen automatically: this key has no model with auto: true on this endpoint."
                    : "No model can be chosen automatically: every candidate was filtered out (see filtered).";
            // only a candidate down for now may come back; a request too long, or with a parameter no candidate
            // takes, fails the same way however often it is sent (the SDKs retry a 503 unless told not to)
            boolean mayPass = filtered.stream().anyMatch(entry -> entry.reason().equals(UNHEALTHY));
            return ProxyError.of(ErrorCode.MODEL_ROUTER_ERROR, message).with("filtered", list)
                    .header("x-should-retry", Boolean.toString(mayPass));
        }
    }

    /** One candidate left out, and why. */
    public record Filtered(String model, String reason) {

        public JsonObject toJson() {
            return new JsonObject().put("model", model).put("reason", reason);
        }
    }

    /** True for the model names that ask the proxy to choose: {@code ""} and {@code "auto"}. */
    public static boolean requested(String model) {
        return model != null && (model.isEmpty() || model.equals("auto"));
    }

    /**
     * Chooses among {@code models}.
     *
     * @param models the models the key may use (any order); those without {@code auto} are not candidates
     * @param reachable true for a model this endpoint reaches (translation included)
     * @param carries false when the request cannot be sent to this model as it is (a parameter the translation to
     *     its protocol cannot carry); asked last, only of models that passed every other filter
     * @param promptTokens the prompt's estimate
     * @param maxTokens the request's {@code max_tokens}, or null when absent (each model's
     *     {@code default-max-tokens} then counts)
     * @param fields the request's top-level fields that carry a value (JSON {@code null} counts as absent)
     * @param nowNanos {@link System#nanoTime()}, for the breakers' delays
     */
    public static Choice choose(Collection<ModelRoute> models, Predicate<ModelRoute> reachable,
            Predicate<ModelRoute> carries, long promptTokens, Integer maxTokens, Set<String> fields, long nowNanos) {
        List<ModelRoute> left = new ArrayList<>();
        List<Filtered> filtered = new ArrayList<>();
        for (ModelRoute model : models) {
            if (!model.auto() || !reachable.test(model)) {
                continue;
            }
            String reason = reasonToFilter(model, promptTokens, maxTokens, fields, nowNanos);
            if (reason == null && !carries.test(model)) {
                reason = UNSUPPORTED_PARAMETER;
            }
            if (reason == null) {
                left.add(model);
            } else {
                filtered.add(new Filtered(model.name(), reason));
            }
        }
        if (left.isEmpty()) {
            filtered.sort(Comparator.comparing(Filtered::model));
            return new NoneLeft(List.copyOf(filtered));
        }
        left.sort(CHEAPEST_FIRST);
        return new Candidates(List.copyOf(left));
    }

    /** The first reason that leaves {@code model} out, or null when it can serve the request. */
    private static String reasonToFilter(ModelRoute model, long promptTokens, Integer maxTokens, Set<String> fields,
            long nowNanos) {
        Integer asked = model.cappedMaxTokens(maxTokens);
        long answer = asked != null ? asked : model.defaultMaxTokens();
        if (model.hasContextWindow() && promptTokens + answer > model.contextWindow()) {
            return CONTEXT_WINDOW;
        }
        if (!anyAvailable(model, nowNanos)) {
            return UNHEALTHY;
        }
        for (String parameter : model.unsupportedParameters()) {
            if (fields.contains(parameter)) {
                return UNSUPPORTED_PARAMETER;
            }
        }
        return null;
    }

    private static boolean anyAvailable(ModelRoute model, long nowNanos) {
        for (Backend backend : model.backends()) {
            if (backend.available(nowNanos)) {
                return true;
            }
        }
        return false;
    }

    private static long window(ModelRoute model) {
        return model.hasContextWindow() ? model.contextWindow() : Long.MAX_VALUE;
    }
}
