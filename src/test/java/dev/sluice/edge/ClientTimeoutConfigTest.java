package dev.sluice.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.ConfigProblems;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code sluice.client-timeout} must be positive; a bad one stops start-up naming the key. */
class ClientTimeoutConfigTest {

    @Test
    void aTimeoutThatIsNotPositiveIsNamed() {
        ConfigProblems zero = new ConfigProblems();
        ConfigProblems positive = new ConfigProblems();

        EdgeGuard.check(Duration.ZERO, zero);
        EdgeGuard.check(Duration.ofSeconds(30), positive);

        assertThat(zero.list()).containsExactly("sluice.client-timeout: must be positive (was 0s)");
        assertThat(positive.list()).isEmpty();
    }
}
