package dev.sluice.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.limits.RedisLimitStore.Release;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReleaseJournalTest {

    private static final AccountLimits WITH_SLOTS = new AccountLimits("a", null, 3, null, 3_600_000, null, null, null,
            null);
    private static final AccountLimits WITHOUT_SLOTS = new AccountLimits("b", null, null, 100L, 3_600_000, null, null,
            null, 5.0);

    private static Release release(AccountLimits limits, String id) {
        return new Release(new Lease(limits, id, 0, 0, 0, null), 0, 0);
    }

    @Test
    void keepsOnlyReleasesOfLeasesThatHoldASlot() {
        ReleaseJournal journal = new ReleaseJournal(10);
        journal.add(List.of(release(WITHOUT_SLOTS, "x")), -1, 1);
        assertThat(journal.size()).isZero();

        // a batch mixing both (across a reload that changed the account's limits) keeps the slot-holding ones
        journal.add(List.of(release(WITH_SLOTS, "a1"), release(WITHOUT_SLOTS, "b1"), release(WITH_SLOTS, "a2")), 7, 2);
        List<ReleaseJournal.Batch> kept = journal.takeAll();
        assertThat(kept).hasSize(1);
        assertThat(kept.get(0).releases()).extracting(r -> r.lease().id()).containsExactly("a1", "a2");
        assertThat(kept.get(0).uncountWindow()).isEqualTo(7);
        assertThat(journal.size()).isZero();
        assertThat(journal.takeAll()).isEmpty();
    }

    @Test
    void forgetsWhatWasAcknowledgedBeforeAnInstantAndKeepsTheRest() {
        ReleaseJournal journal = new ReleaseJournal(10);
        for (long at = 100; at <= 500; at += 100) {
            journal.add(List.of(release(WITH_SLOTS, "at" + at)), -1, at);
        }
        journal.forgetBefore(300);
        assertThat(journal.size()).isEqualTo(3);
        assertThat(journal.takeAll()).extracting(ReleaseJournal.Batch::acknowledgedNanos).containsExactly(300L, 400L,
                500L);
    }

    @Test
    void dropsTheOldestPastItsBound() {
        ReleaseJournal journal = new ReleaseJournal(2);
        for (long at = 1; at <= 5; at++) {
            journal.add(List.of(release(WITH_SLOTS, "at" + at)), -1, at);
        }
        assertThat(journal.size()).isEqualTo(2);
        assertThat(journal.takeAll()).extracting(ReleaseJournal.Batch::acknowledgedNanos).containsExactly(4L, 5L);
    }
}
