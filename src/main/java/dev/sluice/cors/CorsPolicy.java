package dev.sluice.cors;

import dev.sluice.config.ConfigProblems;
import dev.sluice.config.SluiceConfig;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import jakarta.inject.Singleton;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Which browser pages may call {@code /v1} from another origin ({@code sluice.cors}), and the headers that tell the
 * browser so. Off unless origins are listed: then a preflight from a listed origin is answered here, and every answer
 * to a request from one (errors and streams too) names the origin and exposes every header, so that a page can read
 * {@code x-request-id} and the rate-limit headers.
 *
 * <p>What a browser may send is not narrowed further: the key in {@code authorization} or {@code x-api-key} is what
 * admits a request, whatever page sent it, so a preflight is granted the method and headers it asks for. No
 * credentials (cookies) are involved, which is also why {@code *} may stand for every origin.
 */
@Singleton
public class CorsPolicy {

    static final String ALLOW_ORIGIN = "access-control-allow-origin";
    static final String EXPOSE_HEADERS = "access-control-expose-headers";
    static final String ALLOW_METHODS = "access-control-allow-methods";
    static final String ALLOW_HEADERS = "access-control-allow-headers";
    static final String MAX_AGE = "access-control-max-age";
    static final String REQUEST_METHOD = "access-control-request-method";
    static final String REQUEST_HEADERS = "access-control-request-headers";

    private final boolean enabled;
    private final boolean anyOrigin;
    private final Set<String> origins;
    private final List<Pattern> originPatterns;
    private final String maxAgeSeconds;

    CorsPolicy(SluiceConfig config) {
        ConfigProblems problems = new ConfigProblems();
        Origins listed = read(config.cors(), problems);
        problems.throwIfAny();
        this.anyOrigin = listed.any();
        this.origins = listed.exact();
        this.originPatterns = listed.patterns();
        this.maxAgeSeconds = Long.toString(config.cors().maxAge().toSeconds());
        this.enabled = anyOrigin || !origins.isEmpty() || !originPatterns.isEmpty();
    }

    /** Adds what is wrong with {@code sluice.cors} to {@code problems} (start-up and a configuration reload). */
    public static void check(SluiceConfig.Cors cors, ConfigProblems problems) {
        read(cors, problems);
    }

    private record Origins(boolean any, Set<String> exact, List<Pattern> patterns) {
    }

    private static Origins read(SluiceConfig.Cors cors, ConfigProblems problems) {
        List<String> listed = cors.origins().orElse(List.of());
        boolean any = false;
        Set<String> exact = new HashSet<>();
        List<Pattern> patterns = new ArrayList<>();
        for (int i = 0; i < listed.size(); i++) {
            String origin = listed.get(i).trim();
            String path = "sluice.cors.origins[" + i + "]";
            if (origin.equals("*")) {
                any = true;
            } else if (origin.length() > 2 && origin.startsWith("/") && origin.endsWith("/")) {
                try {
                    patterns.add(Pattern.compile(origin.substring(1, origin.length() - 1)));
                } catch (PatternSyntaxException e) {
                    problems.add(path, "is not a regular expression (" + e.getDescription() + ")");
                }
            } else if (isOrigin(origin)) {
                exact.add(origin.toLowerCase(Locale.ROOT));
            } else {
                problems.add(path, "must be *, an origin such as https://app.example.com (scheme, host, port; no path),"
                        + " or a /regular expression/ (was " + origin + ")");
            }
        }
        if (cors.maxAge().isNegative()) {
            problems.add("sluice.cors.max-age", "must not be negative (was " + dev.sluice.config.Durations.format(cors.maxAge()) + ")");
        }
        return new Origins(any, Set.copyOf(exact), List.copyOf(patterns));
    }

    /** Whether any origin is listed; when not, nothing here runs on the request path. */
    public boolean enabled() {
        return enabled;
    }

    /**
     * The {@code access-control-allow-origin} value for a request from {@code origin}: {@code *}, the origin itself,
     * or null when it sent none or is not listed.
     */
    public String allowOrigin(String origin) {
        if (origin == null) {
            return null;
        }
        if (anyOrigin) {
            return "*";
        }
        if (origins.contains(origin.toLowerCase(Locale.ROOT))) {
            return origin;
        }
        for (Pattern pattern : originPatterns) {
            if (pattern.matcher(origin).matches()) {
                return origin;
            }
        }
        return null;
    }

    /** A browser asking before its request: {@code OPTIONS} with an {@code origin} and the method it means to use. */
    public static boolean isPreflight(HttpServerRequest request) {
        return request.method() == HttpMethod.OPTIONS && request.headers().contains("origin")
                && request.headers().contains(REQUEST_METHOD);
    }

    /**
     * Sets the CORS headers of the answer to a request from {@code origin}, before anything else is written to it
     * (a backend's own are never relayed: {@code Headers.copyToClient}). An allowed origin may read the answer and
     * every header; unless every origin is allowed ({@code *}), the answer depends on the origin, whichever it is or
     * none, and says so to caches ({@code vary: origin}), so that an answer cached for one page is not served to
     * another that may not read it.
     *
     * @return the {@code access-control-allow-origin} value, or null when the origin may not read the answer
     */
    public String apply(MultiMap headers, String origin) {
        String allowOrigin = allowOrigin(origin);
        if (allowOrigin != null) {
            headers.set(ALLOW_ORIGIN, allowOrigin);
            headers.set(EXPOSE_HEADERS, "*");
        }
        if (!anyOrigin) {
            headers.add("vary", "origin");
        }
        return allowOrigin;
    }

    /**
     * The headers of the answer to a granted preflight, besides {@link #apply}'s: the endpoint's own method, whatever
     * headers the browser asked to send, and how long to keep the answer.
     */
    public Map<String, String> preflightHeaders(HttpServerRequest request, String endpointMethod) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(ALLOW_METHODS, endpointMethod);
        String asked = request.headers().get(REQUEST_HEADERS);
        if (asked != null && !asked.isBlank()) {
            headers.put(ALLOW_HEADERS, asked);
        }
        headers.put(MAX_AGE, maxAgeSeconds);
        return headers;
    }

    /** A serialised origin: a scheme, a host and perhaps a port, nothing after them. */
    private static boolean isOrigin(String value) {
        try {
            URI uri = new URI(value);
            return uri.getScheme() != null && uri.getHost() != null && uri.getRawUserInfo() == null
                    && (uri.getRawPath() == null || uri.getRawPath().isEmpty()) && uri.getRawQuery() == null
                    && uri.getRawFragment() == null;
        } catch (URISyntaxException e) {
            return false;
        }
    }
}
