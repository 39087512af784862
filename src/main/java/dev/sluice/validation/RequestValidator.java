package dev.sluice.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.error.ErrorCode;
import dev.sluice.error.ProxyError;
import dev.sluice.api.Endpoint;
import dev.sluice.routing.ModelRoute;
import io.vertx.core.json.JsonArray;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The checks of contract §5 that look inside the body, run on the one tree the body scan built. Pure functions: no
 * I/O, safe on an event-loop thread.
 *
 * <p>Rules the contract leaves open, decided here:
 * <ul>
 *   <li>An optional field sent as JSON {@code null} counts as absent (the SDKs send {@code null} for {@code None}):
 *       it passes the type checks and is not an {@code unsupported_parameter}.</li>
 *   <li>Unknown fields, unknown content part or block types, and unknown values of open enums pass; the backend
 *       judges them. Empty {@code messages} arrays pass too.</li>
 *   <li>Integers are JSON Schema integers: {@code 2.0} is one.</li>
 *   <li>Within the tool checks, tool definitions are judged one tool after the other (type, then schema, then
 *       duplicate name), then {@code tool_choice}, then the messages; the first finding answers.</li>
 *   <li>An Anthropic client tool without {@code input_schema} is {@code tool_schema_invalid}; an Anthropic tool of
 *       type {@code function} (the OpenAI shape) is {@code unsupported_tool_type}; any other type is a server tool
 *       and passes.</li>
 *   <li>{@code unsupported_parameter} names the first unsupported top-level field in the order of the body.</li>
 *   <li>Context length: the output budget is {@code max_tokens} ({@code max_completion_tokens},
 *       {@code max_output_tokens}) when given, else the model's {@code default-max-tokens}; on
 *       {@code /v1/embeddings} it is 0, since an embedding produces no tokens. The check fails when prompt tokens
 *       plus that budget exceed the window.</li>
 *   <li>{@code suggested_models} lists the reachable models with a configured {@code context-window} of at least
 *       prompt tokens plus the same budget, smallest window first (configuration order between equal windows). A
 *       model without a configured window is not suggested: nothing says the request would fit it.</li>
 * </ul>
 */
public final class RequestValidator {

    private RequestValidator() {
    }

    /**
     * Schema and tool checks, which do not depend on the model: {@code schema_validation_failed} (422),
     * {@code tool_schema_invalid}, {@code unsupported_tool_type}, {@code duplicate_tool_name},
     * {@code tool_choice_unknown_tool}, {@code missing_tool_call_id}, {@code orphan_tool_message} (400).
     *
     * @throws ProxyError the first failing check, in the order of §5
     */
    public static void checkShape(Endpoint endpoint, ObjectNode body) {
        switch (endpoint) {
            case CHAT_COMPLETIONS -> ChatChecks.check(body);
            case MESSAGES -> AnthropicChecks.check(body);
            case RESPONSES -> ResponsesChecks.check(body);
            case COMPLETIONS -> PromptChecks.completions(body);
            case EMBEDDINGS -> PromptChecks.embeddings(body);
            default -> {
            }
        }
    }

    /**
     * Checks that depend on the model: {@code unsupported_parameter}, then {@code context_length_exceeded} with
     * {@code suggested_models} taken from {@code reachableModels} (the key's models of this protocol; listed only for
     * that error, so only asked for then).
     *
     * @param promptTokens the prompt's estimate ({@link TokenEstimator#promptTokens}), made once per request
     *
     * @throws ProxyError the first failing check
     */
    public static void checkForModel(Endpoint endpoint, ObjectNode body, ModelRoute model, Integer maxTokens,
            long promptTokens, Supplier<List<ModelRoute>> reachableModels) {
        if (!model.unsupportedParameters().isEmpty()) {
            for (Map.Entry<String, JsonNode> field : body.properties()) {
                if (!field.getValue().isNull() && model.unsupportedParameters().contains(field.getKey())) {
                    throw ProxyError.of(ErrorCode.UNSUPPORTED_PARAMETER,
                            "The model '" + model.name() + "' does not support the parameter " + field.getKey() + ".",
                            field.getKey());
                }
            }
        }
        if (!model.hasContextWindow()) {
            return;
        }
        long budget = TokenEstimator.answerBudget(endpoint, maxTokens, model.defaultMaxTokens());
        long needed = promptTokens + budget;
        if (needed <= model.contextWindow()) {
            return;
        }
        throw ProxyError.of(ErrorCode.CONTEXT_LENGTH_EXCEEDED, "The request needs about " + needed + " tokens ("
                + promptTokens + " estimated for the prompt, " + budget + " for the answer) but the model '"
                + model.name() + "' has a context window of " + model.contextWindow() + ".")
                .with("context_window", model.contextWindow())
                .with("prompt_tokens", promptTokens)
                .with("max_tokens", budget)
                .with("suggested_models", suggestions(reachableModels.get(), needed));
    }

    private static JsonArray suggestions(List<ModelRoute> reachableModels, long needed) {
        List<ModelRoute> fitting = new ArrayList<>();
        for (ModelRoute candidate : reachableModels) {
            if (candidate.hasContextWindow() && candidate.contextWindow() >= needed) {
                fitting.add(candidate);
            }
        }
        fitting.sort(Comparator.comparingInt(ModelRoute::contextWindow));
        JsonArray names = new JsonArray();
        fitting.forEach(candidate -> names.add(candidate.name()));
        return names;
    }
}
