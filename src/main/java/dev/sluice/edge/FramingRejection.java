package dev.sluice.edge;

import dev.sluice.error.ErrorCode;
import io.netty.handler.codec.DecoderResult;

/**
 * A request the {@link StrictRequestDecoder} refused while reading its head (contract §12): the status to answer and
 * why. It travels to the router as the decoder result of a stand-in request, so that Vert.x answers it in order after
 * the pipelined requests before it; as far as Vert.x is concerned the stand-in decoded successfully, and only
 * {@link RejectedRequestRoute} knows better.
 */
final class FramingRejection extends DecoderResult {

    /** Where the stand-in request is sent: a path no client request reaches with this decoder result. */
    static final String PATH = "/_sluice/rejected-request";

    private final int status;
    private final String reason;
    private final String clientPath;
    private final String clientMethod;

    FramingRejection(int status, String reason, String clientPath) {
        this(status, reason, clientPath, null);
    }

    private FramingRejection(int status, String reason, String clientPath, String clientMethod) {
        super(SIGNAL_SUCCESS);
        this.status = status;
        this.reason = reason;
        this.clientPath = clientPath;
        this.clientMethod = clientMethod;
    }

    /** The same, with the method of the refused head (when its request line could be read). */
    FramingRejection sentWith(String method) {
        return clientPath == null ? this : new FramingRejection(status, reason, clientPath, method);
    }

    /** The method the client sent, when its request line could be read, or null. */
    String clientMethod() {
        return clientMethod;
    }

    /** 400, 414 or 431. */
    int status() {
        return status;
    }

    /** The catalogue's code for the status: 414 {@code uri_too_long}, 431 {@code request_header_fields_too_large}. */
    ErrorCode errorCode() {
        return switch (status) {
            case 414 -> ErrorCode.URI_TOO_LONG;
            case 431 -> ErrorCode.REQUEST_HEADER_FIELDS_TOO_LARGE;
            default -> ErrorCode.BAD_REQUEST;
        };
    }

    /** One sentence for the envelope's message. */
    String reason() {
        return reason;
    }

    /** The path the client asked for, when the request line could be read (it picks the envelope's form), or null. */
    String clientPath() {
        return clientPath;
    }
}
