package dev.sluice.translate;

/** Anthropic {@code stop_reason} and OpenAI {@code finish_reason}, both ways (contract §9 "Answer"). */
final class StopReasons {

    private StopReasons() {
    }

    /** Anthropic to OpenAI; null stays null (a stream chunk before the end has none). */
    static String toFinishReason(String stopReason) {
        if (stopReason == null) {
            return null;
        }
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_use" -> "tool_calls";
            case "refusal" -> "content_filter";
            // end_turn, stop_sequence, and pause_turn (a server tool's turn, which an OpenAI client cannot resume)
            default -> "stop";
        };
    }

    /**
     * OpenAI to Anthropic.
     *
     * @param stopSequence the stop sequence the backend names as the one it stopped at (vLLM's {@code stop_reason}),
     *     or null
     * @param refused whether the answer carried a {@code refusal}: OpenAI reports those with {@code stop}
     * @param calledTools whether the answer has tool calls: OpenAI finishes a call forced by a named
     *     {@code tool_choice} with {@code stop} (some vLLM and Ollama versions every call), and an Anthropic client
     *     runs the tools only on {@code tool_use}
     */
    static String toStopReason(String finishReason, String stopSequence, boolean refused, boolean calledTools) {
        if (refused) {
            return "refusal";
        }
        if (finishReason == null) {
            return calledTools ? "tool_use" : "end_turn";
        }
        return switch (finishReason) {
            case "length" -> "max_tokens";
            case "tool_calls", "function_call" -> "tool_use";
            case "content_filter" -> "refusal";
            case "stop" -> calledTools ? "tool_use" : stopSequence != null ? "stop_sequence" : "end_turn";
            default -> calledTools ? "tool_use" : "end_turn";
        };
    }
}
