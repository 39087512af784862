package dev.sluice.body;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.error.ProxyError;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BodyScannerTest {

    private static RequestBody scan(String json, boolean tree) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        return BodyScanner.scan(bytes, bytes.length, tree);
    }

    @Test
    void findsTheRoutingFieldsAtTheTopLevelOnly() {
        RequestBody body = scan("{\"messages\":[{\"model\":\"inner\",\"stream\":true}],\"model\":\"m\",\"max_tokens\":64}", false);
        assertThat(body.model()).isEqualTo("m");
        assertThat(body.stream()).isFalse();
        assertThat(body.maxTokens()).isEqualTo(64);
        assertThat(body.tree()).isNull();
    }

    @Test
    void rewritesOnlyTheModelValueBytes() {
        String json = "{\"a\":\"é\",  \"model\" : \"m\\u0031\", \"b\":[1,2]}";
        RequestBody body = scan(json, false);
        assertThat(body.model()).isEqualTo("m1");
        assertThat(body.forUpstream("org/Model \"x\"").toString(StandardCharsets.UTF_8))
                .isEqualTo("{\"a\":\"é\",  \"model\" : \"org/Model \\\"x\\\"\", \"b\":[1,2]}");
        assertThat(body.forUpstream("m1").toString(StandardCharsets.UTF_8)).isEqualTo(json);
    }

    @Test
    void buildsTheTreeInTheSamePass() {
        RequestBody body = scan("{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", true);
        assertThat(body.stream()).isTrue();
        assertThat(body.tree().get("messages").get(0).get("content").asText()).isEqualTo("hi");
        assertThat(body.tree().get("model").asText()).isEqualTo("m");
    }

    @Test
    void refusesWhatIsNotJsonOrNotAnObject() {
        assertThatThrownBy(() -> scan("{\"model\":", false)).isInstanceOf(ProxyError.class)
                .extracting(e -> ((ProxyError) e).code()).isEqualTo("invalid_json");
        assertThatThrownBy(() -> scan("", false)).extracting(e -> ((ProxyError) e).code()).isEqualTo("invalid_json");
        assertThatThrownBy(() -> scan("{} {}", false)).extracting(e -> ((ProxyError) e).code()).isEqualTo("invalid_json");
        assertThatThrownBy(() -> scan("[1,2]", false)).extracting(e -> ((ProxyError) e).code())
                .isEqualTo("schema_validation_failed");
        assertThatThrownBy(() -> scan("{\"model\":1}", false)).extracting(e -> ((ProxyError) e).param()).isEqualTo("model");
        assertThatThrownBy(() -> scan("{\"model\":\"m\",\"stream\":\"yes\"}", false))
                .extracting(e -> ((ProxyError) e).param()).isEqualTo("stream");
        assertThatThrownBy(() -> scan("{\"model\":\"m\",\"max_tokens\":1.5}", false))
                .extracting(e -> ((ProxyError) e).param()).isEqualTo("max_tokens");
    }
}
