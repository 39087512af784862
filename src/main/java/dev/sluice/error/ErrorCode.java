package dev.sluice.error;

/**
 * The error catalogue: every code Sluice answers, with its type and HTTP status. This is the only place
 * where a code is bound to a type and a status; everything else refers to these constants.
 */
public enum ErrorCode {
    SCHEMA_VALIDATION_FAILED("invalid_request_error", 422),
    INVALID_JSON("invalid_request_error", 400),
    TOOL_SCHEMA_INVALID("invalid_request_error", 400),
    TOOL_CHOICE_UNKNOWN_TOOL("invalid_request_error", 400),
    ORPHAN_TOOL_MESSAGE("invalid_request_error", 400),
    MISSING_TOOL_CALL_ID("invalid_request_error", 400),
    UNSUPPORTED_PARAMETER("invalid_request_error", 400),
    UNSUPPORTED_TOOL_TYPE("invalid_request_error", 400),
    DUPLICATE_TOOL_NAME("invalid_request_error", 400),
    CONTEXT_LENGTH_EXCEEDED("invalid_request_error", 400),
    MODEL_NOT_FOUND("invalid_request_error", 404),
    NOT_FOUND("invalid_request_error", 404),
    METHOD_NOT_ALLOWED("invalid_request_error", 405),
    REQUEST_TOO_LARGE("invalid_request_error", 413),
    UNSUPPORTED_MEDIA_TYPE("invalid_request_error", 415),
    HTTP_401("authentication_error", 401),
    HTTP_403("permission_error", 403),
    INSUFFICIENT_CREDITS("insufficient_credits", 402),
    CONCURRENCY_LIMIT_EXCEEDED("rate_limit_error", 429),
    REQUEST_QUOTA_EXCEEDED("rate_limit_error", 429),
    RATE_LIMIT_EXCEEDED("rate_limit_error", 429),
    CONFLICT("invalid_request_error", 409),
    BAD_REQUEST("invalid_request_error", 400),
    /** A request line longer than {@code quarkus.http.limits.max-initial-line-length} (contract §12: 414). */
    URI_TOO_LONG("invalid_request_error", 414),
    /** A header block larger than {@code quarkus.http.limits.max-header-size} (contract §12: 431). */
    REQUEST_HEADER_FIELDS_TOO_LARGE("invalid_request_error", 431),
    NO_HEALTHY_BACKENDS("routing_error", 503),
    MODEL_ROUTER_ERROR("routing_error", 503),
    INVALID_PROVIDER_RESPONSE("server_error", 502),
    BACKEND_TIMEOUT("server_error", 504),
    BACKEND_CONNECT_ERROR("server_error", 502),
    BACKEND_HTTP_ERROR("server_error", 502),
    BACKEND_STREAM_ERROR("server_error", 502),
    LIMIT_STORE_UNAVAILABLE("server_error", 503),
    INTERNAL_ERROR("internal_error", 500),
    /** Not an answer: the client went away first. Used for logs and metrics only (nginx's 499). */
    CLIENT_CLOSED("client_closed", 499);

    private final String type;
    private final int status;
    private final String wireName;

    ErrorCode(String type, int status) {
        this.type = type;
        this.status = status;
        this.wireName = name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * The type of an error answered with {@code status} by a backend (contract §3.2): the catalogue's type for the
     * statuses it owns outright (401, 403), else {@code invalid_request_error}.
     */
    public static String typeOfStatus(int status) {
        return switch (status) {
            case 401 -> HTTP_401.type;
            case 403 -> HTTP_403.type;
            default -> INVALID_JSON.type;
        };
    }

    /** The coarse bucket, e.g. {@code rate_limit_error}. */
    public String type() {
        return type;
    }

    public int status() {
        return status;
    }

    /** The code as it appears on the wire, e.g. {@code request_quota_exceeded}. */
    public String code() {
        return wireName;
    }
}
