package dev.sluice.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.ProxyProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/** On Linux the proxy's sockets use epoll (netty-transport-native-epoll), not Java NIO's selector. */
@QuarkusTest
@TestProfile(ProxyProfile.class)
class NativeTransportTest {

    @Inject
    Vertx vertx;

    @Test
    void vertxRunsOnTheNativeTransport() {
        assertThat(System.getProperty("os.name")).startsWith("Linux");
        assertThat(vertx.isNativeTransportEnabled()).isTrue();
    }
}
