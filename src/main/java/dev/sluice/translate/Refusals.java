package dev.sluice.translate;

import dev.sluice.error.ErrorCode;
import dev.sluice.error.ProxyError;
import java.util.List;
import java.util.Map;

/** The request errors a translation answers before anything is sent (contract §9), worded in one place. */
final class Refusals {

    static final String ANTHROPIC = "the Anthropic Messages API";
    static final String OPENAI = "the OpenAI Chat Completions API";

    private Refusals() {
    }

    /** A parameter that would change the answer and that the backend's protocol has no equivalent for. */
    static ProxyError unsupported(String param, String backendApi) {
        return ProxyError.of(ErrorCode.UNSUPPORTED_PARAMETER, "'" + param + "' is not supported for this model: its backend speaks "
                + backendApi + ", which has no equivalent.", param);
    }

    /**
     * A message thread (Anthropic's {@code thread}: the server keeps the conversation, each turn sends only new
     * messages) towards a backend that would see only those messages. Dropping it would answer without the history,
     * so it is refused, with the {@code details} by which the Anthropic SDKs' tool runner goes on unthreaded.
     */
    static ProxyError unsupportedThread(String backendApi) {
        return unsupported("thread", backendApi).with("details",
                Map.of("error_code", "thread_unsupported_request", "unsupported", List.of("thread")));
    }

    /** A tool of a type the backend's protocol has no equivalent for (a server tool that runs at Anthropic only). */
    static ProxyError unsupportedToolType(String param, String type, String backendApi) {
        return ProxyError.of(ErrorCode.UNSUPPORTED_TOOL_TYPE, "Tools of type '" + type + "' are not supported for this "
                + "model: its backend speaks " + backendApi + ", which has no equivalent.", param);
    }

    /** A body too malformed to translate; the shape checks catch these first unless validation is off. */
    static ProxyError malformed(String param, String what) {
        return ProxyError.of(ErrorCode.SCHEMA_VALIDATION_FAILED, "'" + param + "' " + what + ".", param);
    }
}
