package dev.sluice.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quarkus.runtime.configuration.ConfigurationException;
import io.vertx.redis.client.RedisOptions;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A malformed {@code quarkus.redis.hosts} stops start-up with one message naming the key, as Sluice's own settings do,
 * before the Vert.x client's URL parser fails on it (a NullPointerException for {@code redis:/host:port}).
 */
class RedisUrlsTest {

    @Test
    void theUrlsTheClientReadsPass() {
        assertThat(RedisClientOptions.problemOf(List.of("redis://127.0.0.1:6379", "rediss://redis.example:6380/0",
                "redis://:secret@redis:6379", "redis://redis", "unix:///var/run/redis.sock"))).isNull();
    }

    @Test
    void aMalformedUrlIsNamedWithWhatIsWrongAndWhatIsExpected() {
        String expected = "; expected redis://host:port, rediss://host:port (TLS) or unix:///path/to/socket";
        assertThat(RedisClientOptions.problemOf(List.of("redis:/127.0.0.1:27300")))
                .isEqualTo("'redis:/127.0.0.1:27300' names no host" + expected);
        assertThat(RedisClientOptions.problemOf(List.of("redis://ok:6379", "127.0.0.1:6379")))
                .isEqualTo("'127.0.0.1:6379' has no scheme" + expected);
        assertThat(RedisClientOptions.problemOf(List.of("redis-host")))
                .isEqualTo("'redis-host' has no scheme" + expected);
        assertThat(RedisClientOptions.problemOf(List.of("http://redis:6379")))
                .isEqualTo("'http://redis:6379' has the unknown scheme 'http'" + expected);
        assertThat(RedisClientOptions.problemOf(List.of("redis://re dis:6379"))).startsWith("'redis://re dis:6379' is not a URL");
    }

    @Test
    void aPasswordInAMalformedUrlIsNotRepeated() {
        assertThat(RedisClientOptions.problemOf(List.of("redis:/:hunter2@redis:6379"))).doesNotContain("hunter2");
        assertThat(RedisClientOptions.problemOf(List.of("redis://user:hunter2@re dis:6379")))
                .doesNotContain("hunter2").startsWith("'redis://***@re dis:6379' is not a URL");
    }

    @Test
    void theCustomizerStopsStartUpWithTheKeyOfTheClient() {
        RedisOptions options = new RedisOptions().setEndpoints(List.of("redis:/127.0.0.1:27300"));
        assertThatThrownBy(() -> new RedisClientOptions().customize("<default>", options))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("Invalid Sluice configuration: quarkus.redis.hosts: 'redis:/127.0.0.1:27300' names no host"
                        + "; expected redis://host:port, rediss://host:port (TLS) or unix:///path/to/socket");
        assertThatThrownBy(() -> new RedisClientOptions().customize("sessions", options))
                .hasMessageStartingWith("Invalid Sluice configuration: quarkus.redis.sessions.hosts: ");
    }

    @Test
    void aStartUpFailureThatTheConfigurationExplainsGetsAHint() {
        RedisClientOptions sentinel = new RedisClientOptions();
        sentinel.customize("<default>", new RedisOptions().setType(io.vertx.redis.client.RedisClientType.SENTINEL)
                .setEndpoints(List.of("redis://sentinel:26379")).setMasterName("mymastr"));
        assertThat(sentinel.hintFor("Cannot connect to any of the provided endpoints - ERR [0] No such master with that"
                + " name")).isEqualTo("; the sentinels know no primary named 'mymastr' (quarkus.redis.master-name)");
        assertThat(sentinel.hintFor("Connection refused")).isEmpty();

        RedisClientOptions tls = new RedisClientOptions();
        tls.customize("<default>", new RedisOptions().setEndpoints(List.of("rediss://redis:6379")));
        assertThat(tls.hintFor("Redis did not accept a connection within 2000 ms"))
                .isEqualTo("; the URL asks for TLS (rediss://): a server without TLS never completes that handshake");
        RedisClientOptions plain = new RedisClientOptions();
        plain.customize("<default>", new RedisOptions().setEndpoints(List.of("redis://redis:6379")));
        assertThat(plain.hintFor("Redis did not accept a connection within 2000 ms")).isEmpty();
    }
}
