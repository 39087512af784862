package dev.sluice.validation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.error.ErrorEnvelope;
import dev.sluice.error.ProxyError;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every bad-request fixture under {@code validation/invalid} gets exactly the answer it expects (status, type, code,
 * param, code-specific fields), through the scan and the checks as the proxy runs them, without a server.
 */
class InvalidRequestsTest {

    /** The body-related codes of contract §3.1, each of which must have a fixture in both API shapes. */
    private static final Set<String> BODY_CODES = Set.of("schema_validation_failed", "invalid_json",
            "tool_schema_invalid", "tool_choice_unknown_tool", "orphan_tool_message", "missing_tool_call_id",
            "unsupported_parameter", "unsupported_tool_type", "duplicate_tool_name", "context_length_exceeded");

    static List<Fixtures.Invalid> fixtures() {
        return Fixtures.invalid();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void answersTheExpectedError(Fixtures.Invalid fixture) throws Exception {
        // when
        ProxyError error = Fixtures.check(fixture.endpoint(), fixture.body());

        // then
        JsonNode expect = fixture.expect();
        assertThat(error).as("%s must be refused", fixture.name()).isNotNull();
        JsonNode rendered = Fixtures.MAPPER.readTree(ErrorEnvelope.errorObject(error, "req_0123456789ab").encode());
        assertThat(error.status()).as("status").isEqualTo(expect.get("status").asInt());
        assertThat(rendered.get("type").asText()).as("type").isEqualTo(expect.get("type").asText());
        assertThat(rendered.get("code").asText()).as("code (message: %s)", error.getMessage())
                .isEqualTo(expect.get("code").asText());
        assertThat(rendered.get("param")).as("param (message: %s)", error.getMessage()).isEqualTo(expect.get("param"));
        assertThat(rendered.get("origin").asText()).isEqualTo("router");
        JsonNode fields = expect.path("fields");
        for (Map.Entry<String, JsonNode> field : fields.properties()) {
            assertThat(rendered.get(field.getKey())).as(field.getKey()).isEqualTo(field.getValue());
        }
        assertThat(error.getMessage()).as("one human sentence").endsWith(".").doesNotContain("dev.sluice", "Exception",
                "\n");
    }

    @Test
    void everyBodyRelatedCodeHasAFixtureInBothApiShapes() {
        Map<String, Set<String>> codesByShape = Fixtures.invalid().stream().collect(Collectors.groupingBy(
                fixture -> fixture.name().substring(0, fixture.name().indexOf('/')),
                Collectors.mapping(fixture -> fixture.expect().get("code").asText(), Collectors.toCollection(TreeSet::new))));

        assertThat(codesByShape.get("openai")).containsAll(BODY_CODES);
        assertThat(codesByShape.get("anthropic")).containsAll(BODY_CODES);
    }

    @Test
    void schemaFixturesCoverManyFieldPaths() {
        Set<String> params = Fixtures.invalid().stream()
                .filter(fixture -> fixture.expect().get("code").asText().equals("schema_validation_failed"))
                .map(fixture -> fixture.expect().get("param").asText())
                .collect(Collectors.toSet());

        assertThat(params).contains("model", "messages", "messages[0].content", "messages[0].role", "temperature",
                "stop[1]", "stream_options.include_usage", "response_format.type", "tools[1].function.name",
                "max_tokens", "system[1].type", "messages[1].content[0].input");
    }
}
