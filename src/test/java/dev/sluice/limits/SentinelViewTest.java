package dev.sluice.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which primary the Sentinels name: the newest configuration among those that answer. */
class SentinelViewTest {

    static Map<String, String> answer(String epoch, String runId, int port) {
        return Map.of("name", "sluice-primary", "ip", "10.0.0.1", "port", Integer.toString(port), "runid", runId,
                "config-epoch", epoch);
    }

    @Test
    void theNewestConfigurationWinsOverSentinelsThatHaveNotLearnedOfTheSwitch() {
        SentinelView.Primary primary = SentinelView.newest(List.of(answer("3", "old", 6379), answer("4", "new", 6380),
                answer("3", "old", 6379)));

        assertThat(primary).isEqualTo(new SentinelView.Primary(4, "new", "10.0.0.1:6380"));
    }

    @Test
    void aPrimaryWhoseRunIdTheSentinelHasNotReadYetHasNone() {
        assertThat(SentinelView.newest(List.of(answer("5", "", 6380))).runId()).isNull();
    }

    @Test
    void noAnswerOrAnUnreadableEpochNamesNoPrimary() {
        assertThat(SentinelView.newest(List.of())).isNull();
        assertThat(SentinelView.newest(List.of(answer("five", "x", 1)))).isNull();
    }

    @Test
    void onlyASentinelSetUpHasAView() {
        assertThat(SentinelView.of(null, new RedisOptions().setType(RedisClientType.STANDALONE))).isNull();
        assertThat(SentinelView.of(null, new RedisOptions().setType(RedisClientType.CLUSTER))).isNull();
        assertThat(SentinelView.of(null, null)).isNull();
    }
}
