package dev.sluice.edge;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.nullValue;

import dev.sluice.testing.Management;
import dev.sluice.testing.ProxyProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Contract §1: health and metrics on the management interface only; every /q/* path on the proxy's port is a 404. */
@QuarkusTest
@TestProfile(ProxyProfile.class)
class OperationalEndpointsTest {

    @ParameterizedTest
    @ValueSource(strings = {"/q/health", "/q/health/live", "/q/health/ready", "/q/metrics", "/q", "/q/",
            "/q/openapi", "/q/dev-ui", "/q/health/ready?verbose=true", "/v1/../q/metrics"})
    void everyOperationalPathIsNotFoundOnTheProxyPort(String path) {
        given().urlEncodingEnabled(false).get(path).then()
                .statusCode(404)
                .contentType("application/json")
                .header("x-request-id", matchesPattern("^req_[0-9a-f]{12}$"))
                .body("error.code", equalTo("not_found"))
                .body("error.type", equalTo("invalid_request_error"))
                .body("error.origin", equalTo("router"))
                .body("error.param", nullValue())
                .body("error.request_id", matchesPattern("^req_[0-9a-f]{12}$"));
    }

    @Test
    void aPostWithABodyIsNotFoundTooAndEchoesTheClientsRequestId() {
        given().header("x-request-id", "probe-1").contentType("application/json").body("{\"a\":1}")
                .post("/q/metrics").then()
                .statusCode(404)
                .header("x-request-id", "client_probe-1")
                .body("error.code", equalTo("not_found"))
                .body("error.request_id", equalTo("client_probe-1"));
    }

    @Test
    void healthAndMetricsAnswerOnTheManagementPort() {
        assertThat(Management.port()).isNotEqualTo(RestAssured.port);
        Management.given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        Management.given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        Management.given().get("/q/metrics").then().statusCode(200)
                .body(containsString("sluice_circuit_state"));
    }
}
