package dev.sluice.validation;

import dev.sluice.error.ErrorCode;
import dev.sluice.error.ProxyError;

/**
 * The first tool finding (a 400) of one walk over a body. Schema failures (422) answer before tool failures
 * (contract §5), so a walk throws a schema failure at once but only notes a tool failure and goes on; the noted one
 * is thrown when the walk ends without a schema failure. Tool findings are noted in the order of §5: tool
 * definitions (type, schema, duplicate name, one tool after the other), then the tool choice, then the messages.
 */
final class ToolFindings {

    private ProxyError first;

    void add(ErrorCode code, String param, String message) {
        if (first == null) {
            first = ProxyError.of(code, message, param);
        }
    }

    void throwFirst() {
        if (first != null) {
            throw first;
        }
    }
}
