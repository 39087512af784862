package dev.sluice.limits;

import dev.sluice.testing.RedisTopologyLimitsProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The admission end-to-end suite with the limits in a Redis primary found through three Sentinels. */
@QuarkusTest
@TestProfile(RedisTopologyLimitsProfile.Sentinel.class)
class SentinelAdmissionEndToEndTest extends AdmissionEndToEnd {
}
