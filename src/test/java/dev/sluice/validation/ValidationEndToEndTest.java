package dev.sluice.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.matchesPattern;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.api.Endpoint;
import dev.sluice.routing.Protocol;
import dev.sluice.testing.Api;
import dev.sluice.testing.Backends;
import dev.sluice.testing.InjectBackends;
import dev.sluice.testing.ProxyProfile;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.ValidationModels;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The request checks through the real HTTP API: every bad-request fixture is answered with its error envelope and
 * never reaches a backend; every request of the valid corpus reaches its backend byte for byte.
 */
@QuarkusTest
@TestProfile(ProxyProfile.class)
class ValidationEndToEndTest {

    private static final String REQUEST_ID = "^req_[0-9a-f]{12}$";

    @InjectBackends
    Backends backends;



    @BeforeEach
    void reset() {
        backends.resetAll();
    }

    static Stream<String> invalidFixtures() {
        return Fixtures.invalid().stream().map(Fixtures.Invalid::name);
    }

    static Stream<String> validCorpus() {
        return Fixtures.valid().stream().map(Fixtures.Valid::name);
    }

    private static RequestSpecification client(Endpoint endpoint) {
        return endpoint.protocol() == Protocol.ANTHROPIC ? Api.anthropic(ProxyProfile.KEY) : Api.openai(ProxyProfile.KEY);
    }

    private int backendRequests() {
        return backends.get(ValidationModels.OPENAI_BACKEND).requestCount()
                + backends.get(ValidationModels.ANTHROPIC_BACKEND).requestCount();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidFixtures")
    void refusesTheRequestWithItsErrorBeforeAnyBackend(String name) throws Exception {
        // given
        Fixtures.Invalid fixture = Fixtures.invalid().stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow();
        JsonNode expect = fixture.expect();
        boolean anthropic = fixture.endpoint().protocol() == Protocol.ANTHROPIC;

        // when
        Response response = client(fixture.endpoint()).body(fixture.body()).post(fixture.endpoint().path());

        // then
        response.then().statusCode(expect.get("status").asInt()).contentType("application/json")
                .header("x-request-id", matchesPattern(REQUEST_ID));
        JsonNode envelope = Fixtures.MAPPER.readTree(response.asByteArray());
        if (anthropic) {
            assertThat(envelope.get("type").asText()).isEqualTo("error");
        }
        JsonNode error = envelope.get("error");
        assertThat(error.get("type").asText()).isEqualTo(expect.get("type").asText());
        assertThat(error.get("code").asText()).as("code (message: %s)", error.get("message"))
                .isEqualTo(expect.get("code").asText());
        assertThat(error.get("param")).as("param").isEqualTo(expect.get("param"));
        assertThat(error.get("origin").asText()).isEqualTo("router");
        assertThat(error.get("request_id").asText()).isEqualTo(response.header("x-request-id"));
        for (Map.Entry<String, JsonNode> field : expect.path("fields").properties()) {
            assertThat(error.get(field.getKey())).as(field.getKey()).isEqualTo(field.getValue());
        }
        assertThat(backendRequests()).as("requests that reached a backend").isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validCorpus")
    void forwardsTheRequestByteForByte(String name) {
        // given
        Fixtures.Valid request = Fixtures.valid().stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow();
        byte[] sent = request.forModel(request.roomyModel());
        TestBackend backend = backends.get(request.endpoint().protocol() == Protocol.ANTHROPIC
                ? ValidationModels.ANTHROPIC_BACKEND : ValidationModels.OPENAI_BACKEND);

        // when
        Response response = client(request.endpoint()).body(sent).post(request.endpoint().path());

        // then
        assertThat(response.statusCode()).as("status (body: %s)", response.asString()).isEqualTo(200);
        assertThat(response.header("x-request-id")).matches(REQUEST_ID);
        assertThat(backend.requestCount()).isEqualTo(1);
        assertThat(backend.last().uri()).isEqualTo(request.endpoint().path());
        assertThat(backend.last().body().getBytes()).isEqualTo(sent);
    }
}
