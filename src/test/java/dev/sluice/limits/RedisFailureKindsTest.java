package dev.sluice.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.VertxException;
import io.vertx.redis.client.impl.types.ErrorType;
import org.junit.jupiter.api.Test;

/**
 * Which Redis failures pass and which break a connection. The Redis client hands a command whose connection ended
 * before its answer the error {@code CONNECTION_CLOSED} as a Redis answer would be handed over: it was once read as
 * Redis refusing the command, and the server check stopped for good.
 */
class RedisFailureKindsTest {

    @Test
    void aConnectionClosedUnderACommandPassesAndBreaksTheConnection() {
        ErrorType closed = ErrorType.create("CONNECTION_CLOSED");
        assertThat(RedisLimitStore.transientFailure(closed)).isTrue();
        assertThat(RedisLink.breaksConnection(closed)).isTrue();
    }

    @Test
    void redisRefusingACommandDoesNotPassNorBreakTheConnection() {
        for (String refusal : new String[] {"NOPERM this user has no permissions to run the 'info' command",
            "ERR unknown command 'INFO'"}) {
            ErrorType answer = ErrorType.create(refusal);
            assertThat(RedisLimitStore.transientFailure(answer)).as(refusal).isFalse();
            assertThat(RedisLink.breaksConnection(answer)).as(refusal).isFalse();
        }
    }

    @Test
    void aServerFailingOverPassesAndOnlyAReplicasAnswersBreakTheConnection() {
        assertThat(RedisLimitStore.transientFailure(ErrorType.create("LOADING Redis is loading"))).isTrue();
        assertThat(RedisLink.breaksConnection(ErrorType.create("LOADING Redis is loading"))).isFalse();
        ErrorType replica = ErrorType.create("READONLY You can't write against a read only replica.");
        assertThat(RedisLimitStore.transientFailure(replica)).isTrue();
        assertThat(RedisLink.breaksConnection(replica)).isTrue();
    }

    @Test
    void noAnswerAtAllPassesAndBreaksTheConnection() {
        VertxException reset = new VertxException("Connection reset by peer", true);
        assertThat(RedisLimitStore.transientFailure(reset)).isTrue();
        assertThat(RedisLink.breaksConnection(reset)).isTrue();
    }
}
