package dev.sluice.translate;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.error.ProxyError;
import dev.sluice.routing.Protocol;
import io.vertx.core.MultiMap;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * One direction of protocol translation (contract §9), named client then backend: what changes on the way up
 * (path, headers, query, body) and the entry point of the body translation, whose result translates the answer.
 *
 * <p>Immutable and thread-safe.
 */
public enum Translation {

    /** The client speaks OpenAI chat completions, the backend Anthropic messages. */
    OPENAI_TO_ANTHROPIC(Protocol.OPENAI, Protocol.ANTHROPIC, "openai-to-anthropic", "/v1/messages"),
    /** The client speaks Anthropic messages, the backend OpenAI chat completions. */
    ANTHROPIC_TO_OPENAI(Protocol.ANTHROPIC, Protocol.OPENAI, "anthropic-to-openai", "/v1/chat/completions");

    /** The response header that says an answer was translated. */
    public static final String HEADER = "x-sluice-translated";
    /** The API version sent to an Anthropic backend when the client (an OpenAI client) named none. */
    public static final String ANTHROPIC_VERSION = "2023-06-01";

    /**
     * Request headers that must not reach the backend, either way: the translator reads the answer, so it must come
     * uncompressed. (Towards OpenAI every {@code anthropic-*} header goes too: {@link #anthropicOwn}.)
     */
    private static final Set<String> DROPPED = caseInsensitive("accept-encoding");
    /** Response headers that describe the backend's body, which the client does not get. */
    private static final Set<String> NOT_RELAYED_TO_CLIENT = caseInsensitive("content-length", "content-encoding",
            "content-md5", "etag");

    private final Protocol client;
    private final Protocol backend;
    private final String headerValue;
    private final String backendPath;

    Translation(Protocol client, Protocol backend, String headerValue, String backendPath) {
        this.client = client;
        this.backend = backend;
        this.headerValue = headerValue;
        this.backendPath = backendPath;
    }

    /** The translation between a client's and a backend's protocol, or null when they speak the same one. */
    public static Translation between(Protocol client, Protocol backend) {
        if (client == backend) {
            return null;
        }
        return client == Protocol.OPENAI ? OPENAI_TO_ANTHROPIC : ANTHROPIC_TO_OPENAI;
    }

    public Protocol client() {
        return client;
    }

    public Protocol backend() {
        return backend;
    }

    /** The value of {@link #HEADER}: {@code openai-to-anthropic} or {@code anthropic-to-openai}. */
    public String headerValue() {
        return headerValue;
    }

    /** The path to call on the backend, from {@code /v1} on, in place of the client's. */
    public String backendPath() {
        return backendPath;
    }

    /** Whether a client request header (already past the proxy's own header rules) may go to the backend. */
    public boolean forwardsRequestHeader(String name) {
        return !DROPPED.contains(name) && !(backend == Protocol.OPENAI && anthropicOwn(name));
    }

    /**
     * Anthropic's own headers ({@code anthropic-version}, {@code anthropic-beta},
     * {@code anthropic-dangerous-direct-browser-access}, and any it adds): nothing to an OpenAI backend, and some
     * refuse requests that carry unknown beta flags.
     */
    private static boolean anthropicOwn(String name) {
        return name.regionMatches(true, 0, "anthropic-", 0, "anthropic-".length());
    }

    /**
     * Fits the headers about to go upstream (the client's, as the proxy forwards them) to the backend: removes those
     * it must not get and adds what it needs that the client did not send ({@code anthropic-version}), and asks for an
     * uncompressed answer ({@code accept-encoding: identity}).
     */
    public void adjustUpstreamHeaders(MultiMap headers) {
        DROPPED.forEach(headers::remove);
        // said outright: a request without accept-encoding accepts any coding (RFC 9110 §12.5.3), and the answer is
        // read whole to be translated
        headers.set("accept-encoding", "identity");
        if (backend == Protocol.OPENAI) {
            headers.names().stream().filter(Translation::anthropicOwn).toList().forEach(headers::remove);
        }
        if (backend == Protocol.ANTHROPIC && !headers.contains("anthropic-version")) {
            headers.set("anthropic-version", ANTHROPIC_VERSION);
        }
    }

    /**
     * The query string to send upstream: the client's without the parameters the backend does not know (Claude
     * Code's {@code beta=true} towards OpenAI).
     *
     * @param query the client's raw query string without {@code ?}, or null
     * @return the query string without {@code ?}, or null when nothing is left
     */
    public String backendQuery(String query) {
        if (query == null || query.isEmpty()) {
            return null;
        }
        if (backend != Protocol.OPENAI) {
            return query;
        }
        StringBuilder kept = new StringBuilder(query.length());
        for (String parameter : query.split("&")) {
            int equals = parameter.indexOf('=');
            String name = equals < 0 ? parameter : parameter.substring(0, equals);
            if (parameter.isEmpty() || name.equalsIgnoreCase("beta")) {
                continue;
            }
            if (!kept.isEmpty()) {
                kept.append('&');
            }
            kept.append(parameter);
        }
        return kept.isEmpty() ? null : kept.toString();
    }

    /** Whether a backend response header may reach the client, the proxy's own header rules applied first. */
    public boolean relaysResponseHeader(String name) {
        return !NOT_RELAYED_TO_CLIENT.contains(name);
    }

    /**
     * Translates a client's request body for the backend. Pure: reads the tree, never changes it.
     *
     * @param clientBody the client's body as the body scanner parsed it (a tree is needed whenever a request is
     *     translated)
     * @param upstreamModel the model name the backend knows
     * @param defaultMaxTokens the model's {@code default-max-tokens}, sent when the client asked for no limit and the
     *     backend needs one
     * @param maxOutputTokens the model's {@code max-output-tokens}, or null when it has none
     * @throws ProxyError {@code unsupported_parameter} for a parameter the backend's protocol cannot honour,
     *     {@code schema_validation_failed} for a body too malformed to translate (only when validation is off)
     */
    public TranslatedRequest request(ObjectNode clientBody, String upstreamModel, int defaultMaxTokens,
            Integer maxOutputTokens) {
        MaxTokens maxTokens = new MaxTokens(defaultMaxTokens, maxOutputTokens);
        ObjectNode backendBody = this == OPENAI_TO_ANTHROPIC
                ? ChatRequestToMessages.translate(clientBody, upstreamModel, maxTokens)
                : MessagesRequestToChat.translate(clientBody, upstreamModel, maxTokens);
        return new TranslatedRequest(this, clientBody, backendBody);
    }

    @Override
    public String toString() {
        return headerValue;
    }

    private static Set<String> caseInsensitive(String... names) {
        Set<String> set = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        for (String name : names) {
            set.add(name.toLowerCase(Locale.ROOT));
        }
        return java.util.Collections.unmodifiableSet(set);
    }
}
