package dev.sluice.limits;

import dev.sluice.testing.ProxyProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** Admission end to end with {@code store: local}. */
@QuarkusTest
@TestProfile(ProxyProfile.class)
class LocalAdmissionTest extends AdmissionEndToEnd {
}
