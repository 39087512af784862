package dev.sluice.admin;

import dev.sluice.testing.ProxyProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The admin API with runtime keys and accounts kept in the instance ({@code limits.store: local}). */
@QuarkusTest
@TestProfile(ProxyProfile.class)
class AdminApiTest extends AdminApiContract {
}
