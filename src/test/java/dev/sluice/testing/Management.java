package dev.sluice.testing;

import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;
import java.net.URI;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Requests to Quarkus' management interface, where /q/health and /q/metrics live (contract §1); tests give it a free
 * port ({@code quarkus.management.test-port=0}). The proxy's own port answers 404 on every /q/* path.
 */
public final class Management {

    private Management() {
    }

    /**
     * The management interface's base URL of the running test application, e.g. {@code http://localhost:41234}: what
     * Quarkus publishes as {@code test.management.url} once it listens (read as its deprecated
     * {@code TestHTTPResourceManager.getManagementUri()} read it).
     */
    public static String baseUri() {
        return ConfigProvider.getConfig().getOptionalValue("test.management.url", String.class)
                .orElse("http://localhost:9000");
    }

    public static int port() {
        return URI.create(baseUri()).getPort();
    }

    public static RequestSpecification given() {
        URI uri = URI.create(baseUri());
        return RestAssured.given().baseUri(uri.getScheme() + "://" + uri.getHost()).port(uri.getPort());
    }
}
