package dev.sluice.limits;

import static org.hamcrest.Matchers.equalTo;

import dev.sluice.testing.RedisFailureProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/** {@code redis-failure: closed}: 503 {@code limit_store_unavailable}; readiness DOWN. */
@QuarkusTest
@TestProfile(RedisFailureProfile.Closed.class)
class RedisFailureClosedTest extends RedisFailureEndToEnd {

    @Override
    void assertAnswerWhileDown(Response response) {
        response.then().statusCode(503).contentType("application/json")
                .body("error.type", equalTo("server_error"))
                .body("error.code", equalTo("limit_store_unavailable"))
                .body("error.origin", equalTo("router"));
    }

    @Override
    int readinessStatusWhileDown() {
        return 503;
    }
}
