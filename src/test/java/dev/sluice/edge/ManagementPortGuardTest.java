package dev.sluice.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.Management;
import dev.sluice.testing.ProxyProfile;
import dev.sluice.testing.RawHttp;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The management interface (health, metrics, the admin API) reads requests from whoever reaches its port: the proxy
 * port's framing rules and client timeout hold there too (contract §12). The profile's client timeout is 2 s.
 */
@QuarkusTest
@TestProfile(ProxyProfile.class)
class ManagementPortGuardTest {

    @BeforeAll
    static void guarded() throws InterruptedException {
        // the management interface is guarded once it listens; readiness says when
        for (int i = 0; i < 100 && !Management.given().get("/q/health/ready").asString().contains("\"management\": true"); i++) {
            Thread.sleep(50);
        }
    }

    @Test
    void readinessSaysTheManagementPortIsGuarded() {
        String ready = Management.given().get("/q/health/ready").then().statusCode(200).extract().asString();

        assertThat(ready).contains("\"management\": true");
        // the timeout as the configuration writes it (ProxyProfile: 2s), not ISO-8601's PT2S
        assertThat(ready).contains("\"client-timeout\": \"2s\"");
    }

    @Test
    void contentLengthWithTransferEncodingIsRefusedAndTheSmuggledRequestIsNeverRead() {
        try (RawHttp client = RawHttp.connect(Management.port())) {
            String smuggled = "GET /q/metrics HTTP/1.1\r\nHost: x\r\n\r\n";
            client.send("GET /q/health/live HTTP/1.1\r\nHost: x\r\nx-request-id: req_00000000beef\r\n"
                    + "Content-Length: " + ("0\r\n\r\n" + smuggled).length() + "\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "0\r\n\r\n" + smuggled);

            RawHttp.Answer answer = client.read();

            assertThat(answer.status()).isEqualTo(400);
            assertThat(answer.headers()).containsEntry("connection", "close")
                    .containsEntry("x-request-id", "req_00000000beef")
                    .containsEntry("content-type", "application/json");
            JsonObject error = new JsonObject(answer.body()).getJsonObject("error");
            assertThat(error.getString("type")).isEqualTo("invalid_request_error");
            assertThat(error.getString("code")).isEqualTo("bad_request");
            assertThat(error.getString("request_id")).isEqualTo("req_00000000beef");
            assertThat(client.closedByPeer()).as("closed, the smuggled request unanswered").isTrue();
        }
    }

    @Test
    void aRequestWithoutHostIsRefusedInTheEnvelope() {
        try (RawHttp client = RawHttp.connect(Management.port())) {
            client.send("GET /q/health/live HTTP/1.1\r\n\r\n");

            RawHttp.Answer answer = client.read();

            assertThat(answer.status()).isEqualTo(400);
            assertThat(new JsonObject(answer.body()).getJsonObject("error").getString("code")).isEqualTo("bad_request");
            assertThat(answer.headers()).containsKey("x-request-id");
            assertThat(client.closedByPeer()).isTrue();
        }
    }

    @Test
    void aClientThatSendsHalfAHeadIsDisconnectedAfterTheClientTimeout() {
        try (RawHttp client = RawHttp.connect(Management.port())) {
            client.send("GET /q/health/live HTTP/1.1\r\nHo");

            long closedAfter = client.millisUntilClosed();

            assertThat(closedAfter).isBetween(1_500L, 6_000L);
        }
    }

    @Test
    void wellFormedRequestsAreServedAsBefore() {
        try (RawHttp client = RawHttp.connect(Management.port())) {
            client.send("GET /q/health/live HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Answer first = client.read();
            client.send("GET /q/metrics HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Answer second = client.read();

            assertThat(first.status()).isEqualTo(200);
            assertThat(second.status()).isEqualTo(200);
            assertThat(second.body()).contains("sluice_");
        }
    }
}
