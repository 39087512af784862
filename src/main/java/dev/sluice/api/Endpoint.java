package dev.sluice.api;

import dev.sluice.routing.Protocol;

/** The endpoints of contract §1 under {@code /v1}. */
public enum Endpoint {
    CHAT_COMPLETIONS("/v1/chat/completions", "POST", Protocol.OPENAI, true),
    COMPLETIONS("/v1/completions", "POST", Protocol.OPENAI, true),
    EMBEDDINGS("/v1/embeddings", "POST", Protocol.OPENAI, true),
    RESPONSES("/v1/responses", "POST", Protocol.OPENAI, true),
    MESSAGES("/v1/messages", "POST", Protocol.ANTHROPIC, true),
    MODELS("/v1/models", "GET", Protocol.OPENAI, false),
    USAGE("/v1/usage", "GET", Protocol.OPENAI, false);

    private final String path;
    private final String method;
    private final Protocol protocol;
    private final boolean proxied;

    Endpoint(String path, String method, Protocol protocol, boolean proxied) {
        this.path = path;
        this.method = method;
        this.protocol = protocol;
        this.proxied = proxied;
    }

    public String path() {
        return path;
    }

    public String method() {
        return method;
    }

    public Protocol protocol() {
        return protocol;
    }

    /** True for the endpoints whose body is forwarded to a model backend. */
    public boolean proxied() {
        return proxied;
    }

    /**
     * Whether a model whose backends speak {@code backend} can serve this endpoint (contract §1): chat completions and
     * messages reach models of both protocols (the other one through translation, §9); the other endpoints reach only
     * models of their own protocol.
     */
    public boolean reaches(Protocol backend) {
        return backend == protocol || this == CHAT_COMPLETIONS || this == MESSAGES;
    }

    /** The endpoint at exactly this path, or null. */
    public static Endpoint byPath(String path) {
        for (Endpoint endpoint : values()) {
            if (endpoint.path.equals(path)) {
                return endpoint;
            }
        }
        return null;
    }

    /** Errors on {@code /v1/messages} and every path under it use the Anthropic envelope. */
    public static boolean anthropicPath(String path) {
        return path.equals("/v1/messages") || path.startsWith("/v1/messages/");
    }
}
