package dev.sluice.error;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One failure answered to the client as the error envelope. A value first: the request path returns or completes
 * with it; it is also throwable (without a stack trace) so that deep parsing code can abort with it.
 *
 * <p>Built only through the factories here and in {@link Errors}, so that every code gets its type and status from
 * {@link ErrorCode}.
 */
public final class ProxyError extends RuntimeException {

    private final int status;
    private final String type;
    private final String code;
    private final String param;
    private final Origin origin;
    private final Map<String, Object> fields = new LinkedHashMap<>();
    private final Map<String, String> headers = new LinkedHashMap<>();
    /** The model the refused request named, when it was read before the request was refused; never rendered. */
    private String requestedModel;

    private ProxyError(int status, String type, String code, String message, String param, Origin origin) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.origin = origin;
    }

    /** An error the proxy decides, with the catalogue's status and type. */
    public static ProxyError of(ErrorCode code, String message) {
        return new ProxyError(code.status(), code.type(), code.code(), message, null, Origin.ROUTER);
    }

    /** An error the proxy decides about one field of the request. */
    public static ProxyError of(ErrorCode code, String message, String param) {
        return new ProxyError(code.status(), code.type(), code.code(), message, param, Origin.ROUTER);
    }

    /** A backend's own error answer, relayed with its status (contract §3.2). */
    public static ProxyError fromProvider(int status, String type, String code, String message, String param) {
        return new ProxyError(status, type, code, message, param, Origin.PROVIDER);
    }

    /** The catalogue's error with another status and origin (the all-429 provider answer keeps the rate code). */
    public static ProxyError provider(ErrorCode code, String message) {
        return new ProxyError(code.status(), code.type(), code.code(), message, null, Origin.PROVIDER);
    }

    /** Adds a code-specific top-level field; a null value is left out (never sent as null). */
    public ProxyError with(String name, Object value) {
        if (value != null) {
            fields.put(name, value);
        }
        return this;
    }

    /** Adds a response header sent with this error (Retry-After, x-should-retry, RateLimit-*). */
    public ProxyError header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    /**
     * Notes the model the refused request named (a body refused for one of its fields still names one): an error for
     * a model with {@code hedge} carries {@code x-sluice-attempts} like any other answer for it (contract §6.6).
     */
    public ProxyError forModel(String model) {
        this.requestedModel = model;
        return this;
    }

    /** The model noted by {@link #forModel}, or null. */
    public String requestedModel() {
        return requestedModel;
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }

    public String param() {
        return param;
    }

    public Origin origin() {
        return origin;
    }

    public Map<String, Object> fields() {
        return fields;
    }

    public Map<String, String> headers() {
        return headers;
    }

    public boolean is(ErrorCode errorCode) {
        return origin == Origin.ROUTER && code.equals(errorCode.code());
    }
}
