package dev.sluice.limits;

import dev.sluice.testing.LimitsProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** Admission end to end with {@code store: local}. */
@QuarkusTest
@TestProfile(LimitsProfile.class)
class LocalAdmissionTest extends AdmissionEndToEnd {
}
