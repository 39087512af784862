package dev.sluice.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000_000L);
    private final RetryBudget budget = new RetryBudget(0.2, now::get);

    private int retriesAllowed(int attempts) {
        int allowed = 0;
        for (int i = 0; i < attempts; i++) {
            if (budget.tryRetry()) {
                allowed++;
            }
        }
        return allowed;
    }

    @Test
    void aQuietProxyStillRetriesTenTimesPerSecondOverTheWindow() {
        assertThat(retriesAllowed(500)).isEqualTo(100);
    }

    @Test
    void aBusyProxyRetriesTwentyPercentOfItsRequestsNotTheFloorOnTop() {
        for (int i = 0; i < 1000; i++) {
            budget.recordRequest();
        }
        assertThat(retriesAllowed(1000)).isEqualTo(200);
    }

    @Test
    void belowTheFloorTheFloorHolds() {
        // 160 requests: 20% is 32, fewer than the floor's 100 over the window
        for (int i = 0; i < 160; i++) {
            budget.recordRequest();
        }
        assertThat(retriesAllowed(500)).isEqualTo(100);
    }

    @Test
    void forgetsWhatIsOlderThanTenSeconds() {
        assertThat(retriesAllowed(500)).isEqualTo(100);
        now.addAndGet(5_000_000_000L);
        assertThat(retriesAllowed(500)).isZero();
        now.addAndGet(5_500_000_000L);
        assertThat(retriesAllowed(500)).isEqualTo(100);
    }
}
