package dev.sluice.app;

import io.quarkus.redis.client.RedisOptionsCustomizer;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.quarkus.redis.runtime.client.VertxRedisClientFactory;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import jakarta.inject.Singleton;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Keeps a copy of the options Quarkus builds for its default Redis client ({@code quarkus.redis.*}: hosts, client type,
 * Sentinel master, password, TLS, pool), so that the limit store can open more clients configured exactly alike: one
 * per event loop, since a Vert.x Redis client's connections all live on the event loop it was created on.
 *
 * <p>Quarkus hands the options to every {@link RedisOptionsCustomizer} bean just before it creates the client; this one
 * changes nothing.
 */
@Singleton
public class RedisClientOptions implements RedisOptionsCustomizer {

    private volatile RedisOptions defaultClient;

    @Override
    public void customize(String clientName, RedisOptions options) {
        // Quarkus creates its clients at start-up, whatever the limit store, and a malformed URL stopped it with a
        // NullPointerException from the URL parser and 26 lines of stack: said here first, as Sluice says the rest
        String problem = problemOf(options.getEndpoints());
        if (problem != null) {
            String key = VertxRedisClientFactory.DEFAULT_CLIENT.equals(clientName) ? "quarkus.redis.hosts"
                    : "quarkus.redis." + clientName + ".hosts";
            throw new ConfigurationException("Invalid Sluice configuration: " + key + ": " + problem);
        }
        if (VertxRedisClientFactory.DEFAULT_CLIENT.equals(clientName)) {
            defaultClient = new RedisOptions(options);
        }
    }

    /**
     * What is wrong with the Redis URLs, or null: each must be {@code redis://host[:port]}, {@code rediss://…} (TLS) or
     * {@code unix:///path}, the schemes the Vert.x client reads. A password in a URL is not repeated in the message.
     */
    static String problemOf(List<String> endpoints) {
        for (String endpoint : endpoints) {
            String shown = "'" + withoutUserInfo(endpoint) + "'";
            if (!endpoint.contains("://")) {
                boolean knownScheme = endpoint.matches("(?i)(redis|rediss|unix):.*");
                return shown + (knownScheme ? " names no host" : " has no scheme") + "; expected " + EXPECTED;
            }
            URI uri;
            try {
                uri = new URI(endpoint.trim());
            } catch (URISyntaxException malformed) {
                return shown + " is not a URL (" + malformed.getReason() + "); expected " + EXPECTED;
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            switch (scheme) {
                case "redis", "rediss" -> {
                    if (uri.getHost() == null) {
                        return shown + " names no host; expected " + EXPECTED;
                    }
                }
                case "unix" -> {
                    if (uri.getPath() == null || uri.getPath().isEmpty()) {
                        return shown + " names no socket path; expected " + EXPECTED;
                    }
                }
                default -> {
                    return shown + (scheme.isEmpty() ? " has no scheme" : " has the unknown scheme '" + scheme + "'")
                            + "; expected " + EXPECTED;
                }
            }
        }
        return null;
    }

    /**
     * A hint to add to a start-up failure's message when the configuration explains it, else an empty string: a
     * master name the sentinels do not know, or a {@code rediss://} URL to a server that never completes the handshake.
     */
    String hintFor(String failure) {
        RedisOptions options = defaultClient;
        if (options == null || failure == null) {
            return "";
        }
        if (options.getType() == RedisClientType.SENTINEL && failure.contains("No such master")) {
            return "; the sentinels know no primary named '" + options.getMasterName() + "' (quarkus.redis.master-name)";
        }
        boolean tls = options.getEndpoints().stream().anyMatch(url -> url.regionMatches(true, 0, "rediss:", 0, 7));
        if (tls && failure.contains("did not accept a connection")) {
            return "; the URL asks for TLS (rediss://): a server without TLS never completes that handshake";
        }
        return "";
    }

    /** The URL with whatever stands between its scheme and its last {@code @} (a user, a password) masked. */
    private static String withoutUserInfo(String endpoint) {
        int at = endpoint.lastIndexOf('@');
        if (at < 0) {
            return endpoint;
        }
        int slashes = endpoint.indexOf("//");
        int start = slashes >= 0 && slashes < at ? slashes + 2 : endpoint.indexOf(':') + 1;
        return endpoint.substring(0, start) + "***" + endpoint.substring(at);
    }

    private static final String EXPECTED = "redis://host:port, rediss://host:port (TLS) or unix:///path/to/socket";

    /** A copy of the default client's options, or null while Quarkus has not created that client. */
    RedisOptions options() {
        RedisOptions options = defaultClient;
        return options == null ? null : new RedisOptions(options);
    }

    /**
     * Makes new clients with the default client's options; each call answers null while Quarkus has not created the
     * default client (it does so lazily, at its first use), and callers then use that one client.
     */
    Supplier<Redis> clientFactory(Vertx vertx) {
        return () -> {
            RedisOptions options = defaultClient;
            return options == null ? null : Redis.createClient(vertx, new RedisOptions(options));
        };
    }
}
