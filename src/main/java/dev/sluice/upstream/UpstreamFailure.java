package dev.sluice.upstream;

import io.vertx.core.buffer.Buffer;

/**
 * A backend attempt that failed before any byte reached the client: it could not be reached, it timed out, or it
 * answered with a status that is a failure (5xx, 408, 429, 529). Thrown inside the circuit breaker so that it can
 * count the failure; caught right outside it and turned into an {@link Attempt}.
 */
public final class UpstreamFailure extends RuntimeException {

    /** What went wrong. */
    public enum Kind {
        /** No response: connection refused, reset or closed before a response came. The request is retried. */
        CONNECT,
        /** No response headers (or no first chunk) in time. */
        TIMEOUT,
        /** The backend answered with a failure status. */
        HTTP,
        /** The backend answered 2xx with a body that cannot be read as its protocol says (contract §9). */
        INVALID_ANSWER,
        /** The proxy itself dropped the call because its client went away: says nothing about the backend. */
        CANCELLED
    }

    private final Kind kind;
    private final int status;
    private final long retryAfterSeconds;
    private final Buffer body;
    /** True when no connection to the backend was had: nothing of the request reached it. */
    private final boolean unconnected;

    private UpstreamFailure(Kind kind, int status, long retryAfterSeconds, Buffer body, String message) {
        this(kind, status, retryAfterSeconds, body, message, false);
    }

    private UpstreamFailure(Kind kind, int status, long retryAfterSeconds, Buffer body, String message,
            boolean unconnected) {
        super(message, null, false, false);
        this.kind = kind;
        this.status = status;
        this.retryAfterSeconds = retryAfterSeconds;
        this.body = body;
        this.unconnected = unconnected;
    }

    /** A connection that broke (reset, closed) before the response: the backend may have read the request. */
    public static UpstreamFailure connect(Throwable cause) {
        return new UpstreamFailure(Kind.CONNECT, 0, 0, null, String.valueOf(cause.getMessage()));
    }

    /**
     * No connection could be had (refused, unreachable, TLS refused): the backend got nothing. The message names the
     * cause and its root ({@code SSLHandshakeException: Failed to create SSL connection (CertificateExpiredException:
     * NotAfter: …)}): the outer one alone does not tell an expired certificate from an unknown one.
     */
    public static UpstreamFailure unconnected(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return new UpstreamFailure(Kind.CONNECT, 0, 0, null,
                root == cause ? described(cause) : described(cause) + " (" + described(root) + ")", true);
    }

    private static String described(Throwable failure) {
        String message = failure.getMessage();
        return failure.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    public boolean unconnected() {
        return unconnected;
    }

    public static UpstreamFailure cancelled() {
        return new UpstreamFailure(Kind.CANCELLED, 0, 0, null, "the client went away");
    }

    public static UpstreamFailure timeout(String message) {
        return new UpstreamFailure(Kind.TIMEOUT, 0, 0, null, message);
    }

    /** A timeout after the backend's status line: its {@code attempts} entry carries the status (§3.1). */
    public static UpstreamFailure timeout(int answeredStatus, String message) {
        return new UpstreamFailure(Kind.TIMEOUT, answeredStatus, 0, null, message);
    }

    /** A body that cannot be read, under the status the backend answered with. */
    public static UpstreamFailure invalidAnswer(int answeredStatus, String message) {
        return new UpstreamFailure(Kind.INVALID_ANSWER, answeredStatus, 0, null, message);
    }

    public static UpstreamFailure http(int status, long retryAfterSeconds, Buffer body) {
        return new UpstreamFailure(Kind.HTTP, status, retryAfterSeconds, body, "HTTP " + status);
    }

    /** The breaker counts unreachable, slow and 5xx backends; a 429 is the backend's quota, not its health. */
    public static boolean tripsBreaker(Throwable failure) {
        return failure instanceof UpstreamFailure f && f.kind != Kind.CANCELLED
                && (f.kind != Kind.HTTP || f.status >= 500 || f.status == 408);
    }

    public Kind kind() {
        return kind;
    }

    public int status() {
        return status;
    }

    /** The backend's Retry-After in seconds, 0 when it sent none. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** The backend's error body (bounded), or null. */
    public Buffer body() {
        return body;
    }

    /** A 408 counts as a timeout (contract §6.3). */
    public boolean isTimeout() {
        return kind == Kind.TIMEOUT || (kind == Kind.HTTP && status == 408);
    }

    /** Failures tried again on another backend: connection failures and 429/502/503/504/529 answers. */
    public boolean retryable(boolean retryOnTimeout) {
        if (isTimeout()) {
            return retryOnTimeout;
        }
        if (kind == Kind.CONNECT || kind == Kind.INVALID_ANSWER) {
            return true;
        }
        if (kind == Kind.CANCELLED) {
            return false;
        }
        return status == 429 || status == 502 || status == 503 || status == 504 || status == 529;
    }

    /** True for 429 and 529: the backend is shedding load. */
    public boolean overloaded() {
        return kind == Kind.HTTP && (status == 429 || status == 529);
    }
}
