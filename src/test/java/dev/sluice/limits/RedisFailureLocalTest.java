package dev.sluice.limits;

import dev.sluice.testing.RedisFailureProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/** {@code redis-failure: local}: limits fall back to the instance; readiness stays UP, degraded. */
@QuarkusTest
@TestProfile(RedisFailureProfile.Local.class)
class RedisFailureLocalTest extends RedisFailureEndToEnd {

    @Override
    void assertAnswerWhileDown(Response response) {
        response.then().statusCode(200).header("ratelimit-limit", "1000");
    }

    @Override
    int readinessStatusWhileDown() {
        return 200;
    }
}
