package dev.sluice.translate;

import dev.sluice.error.ErrorCode;

/**
 * A backend's 2xx answer that cannot be read as its protocol says (broken JSON, no {@code choices} or
 * {@code content}): the attempt failed with {@code invalid_provider_response} (contract §9), which the request path
 * retries like a 502 while nothing has reached the client. Carries no stack trace: it is an outcome, not a bug.
 */
public final class InvalidProviderResponse extends RuntimeException {

    InvalidProviderResponse(String message) {
        super(message, null, false, false);
    }

    /** The attempt code and the envelope code this failure answers with. */
    public ErrorCode code() {
        return ErrorCode.INVALID_PROVIDER_RESPONSE;
    }
}
