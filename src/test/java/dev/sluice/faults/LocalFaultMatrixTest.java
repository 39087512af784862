package dev.sluice.faults;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.stream.Stream;

/** The fault matrix with the limits kept in the instance ({@code sluice.limits.store: local}). */
@QuarkusTest
@TestProfile(LocalFaultMatrixTest.Profile.class)
class LocalFaultMatrixTest extends FaultMatrixContract {

    public static class Profile extends FaultMatrixProfile {
    }

    static Stream<FaultMatrix.Cell> cells() {
        return FaultMatrix.cells(false).stream();
    }
}
