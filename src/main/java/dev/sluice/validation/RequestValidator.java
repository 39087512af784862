package dev.sluice.validation;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.error.ProxyError;
import dev.sluice.http.Endpoint;
import dev.sluice.routing.ModelRoute;
import java.util.List;

/**
 * The checks of contract §5 that look inside the body, run on the one tree the body scan built. Pure functions: no
 * I/O, safe on an event-loop thread.
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
    }

    /**
     * Checks that depend on the model: {@code unsupported_parameter}, then {@code context_length_exceeded} with
     * {@code suggested_models} taken from {@code reachableModels} (the key's models of this protocol).
     *
     * @throws ProxyError the first failing check
     */
    public static void checkForModel(Endpoint endpoint, ObjectNode body, ModelRoute model, Integer maxTokens,
            List<ModelRoute> reachableModels) {
    }
}
