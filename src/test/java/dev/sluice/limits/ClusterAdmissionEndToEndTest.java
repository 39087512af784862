package dev.sluice.limits;

import dev.sluice.testing.RedisTopologyLimitsProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The admission end-to-end suite with the limits in a real three-master Redis Cluster. */
@QuarkusTest
@TestProfile(RedisTopologyLimitsProfile.Cluster.class)
class ClusterAdmissionEndToEndTest extends AdmissionEndToEnd {
}
