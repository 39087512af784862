package dev.sluice.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReplicaProgressTest {

    private static final long HOLD = 60_000;

    /** An INFO reply as Redis writes it (CRLF lines, sections), with the fields the progress reads. */
    private static String info(String runId, long offset, long... replicaOffsets) {
        StringBuilder info = new StringBuilder("# Server\r\nredis_version:7.0.15\r\nrun_id:" + runId + "\r\ntcp_port:6379\r\n"
                + "\r\n# Replication\r\nrole:master\r\nconnected_slaves:" + replicaOffsets.length + "\r\n");
        for (int i = 0; i < replicaOffsets.length; i++) {
            info.append("slave").append(i).append(":ip=127.0.0.1,port=700").append(i).append(",state=online,offset=")
                    .append(replicaOffsets[i]).append(",lag=0\r\n");
        }
        return info.append("master_failover_state:no-failover\r\nmaster_repl_offset:").append(offset)
                .append("\r\nsecond_repl_offset:-1\r\n").toString();
    }

    @Test
    void aMasterWithoutReplicasConfirmsEverythingAndKeepsNothing() {
        ReplicaProgress progress = new ReplicaProgress(HOLD);
        assertThat(progress.observe(List.of(info("a", 100)), 1_000)).isTrue();
        assertThat(progress.replicated()).isFalse();
        assertThat(progress.safeKnown()).isTrue();
        assertThat(progress.safeBeforeNanos()).isEqualTo(1_000);
    }

    @Test
    void whatTheSlowestReplicaCopiedIsSafe() {
        ReplicaProgress progress = new ReplicaProgress(HOLD);
        progress.observe(List.of(info("a", 100, 90, 100)), 1_000);
        assertThat(progress.replicated()).isTrue();
        assertThat(progress.safeKnown()).isFalse(); // the slowest replica is at 90, below the check's 100

        progress.observe(List.of(info("a", 250, 100, 250)), 2_000);
        assertThat(progress.safeKnown()).isTrue();
        assertThat(progress.safeBeforeNanos()).isEqualTo(1_000); // the first check's writes are copied, not the second's

        progress.observe(List.of(info("a", 300, 300, 300)), 3_000);
        assertThat(progress.safeBeforeNanos()).isEqualTo(3_000);
    }

    @Test
    void aMasterThatLostItsReplicaConfirmsNothingMoreUntilTheHoldPasses() {
        ReplicaProgress progress = new ReplicaProgress(HOLD);
        progress.observe(List.of(info("a", 100, 100)), 1_000);
        assertThat(progress.safeBeforeNanos()).isEqualTo(1_000);

        // its replica was promoted: the old primary goes on taking writes that nobody copies
        progress.observe(List.of(info("a", 400)), 2_000);
        progress.observe(List.of(info("a", 900)), 30_000);
        assertThat(progress.replicated()).isTrue();
        assertThat(progress.safeBeforeNanos()).isEqualTo(1_000);

        // a minute later without a replica: a lone server
        progress.observe(List.of(info("a", 950)), 1_000 + HOLD + 1);
        assertThat(progress.replicated()).isFalse();
        assertThat(progress.safeBeforeNanos()).isEqualTo(1_000 + HOLD + 1);
    }

    @Test
    void withSeveralMastersTheLeastConfirmedOneCounts() {
        ReplicaProgress progress = new ReplicaProgress(HOLD);
        progress.observe(List.of(info("a", 100, 100), info("b", 500, 400)), 1_000);
        assertThat(progress.safeKnown()).isFalse(); // b's replica has not reached b's offset of that check
        progress.observe(List.of(info("a", 200, 200), info("b", 600, 500)), 2_000);
        assertThat(progress.safeBeforeNanos()).isEqualTo(1_000);
        // a master never replicated does not hold the others back
        progress.observe(List.of(info("a", 300, 300), info("b", 700, 700), info("c", 5)), 3_000);
        assertThat(progress.safeBeforeNanos()).isEqualTo(3_000);
    }

    @Test
    void aReplyWithoutTheFieldsIsNotTaken() {
        ReplicaProgress progress = new ReplicaProgress(HOLD);
        assertThat(progress.observe(List.of("# Server\r\nredis_version:7.0.15\r\n"), 1_000)).isFalse();
        assertThat(progress.safeKnown()).isFalse();
        assertThat(ReplicaProgress.field("run_id:x\r\n", "run_id:")).isEqualTo("x");
    }
}
