package dev.sluice.cors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.testing.Configs;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

/** Which origins {@code sluice.cors.origins} admits, how its headers are set, and what start-up refuses. */
class CorsPolicyTest {

    @Test
    void offUnlessOriginsAreListed() {
        CorsPolicy policy = new CorsPolicy(Configs.of());

        assertThat(policy.enabled()).isFalse();
        assertThat(policy.allowOrigin("https://app.example.com")).isNull();
    }

    @Test
    void aListedOriginIsEchoedWhateverItsCaseAndOthersAreNot() {
        CorsPolicy policy = new CorsPolicy(Configs.of("sluice.cors.origins[0]", "https://App.example.com",
                "sluice.cors.origins[1]", "http://localhost:5173"));

        assertThat(policy.enabled()).isTrue();
        assertThat(policy.allowOrigin("https://app.example.com")).isEqualTo("https://app.example.com");
        assertThat(policy.allowOrigin("http://localhost:5173")).isEqualTo("http://localhost:5173");
        assertThat(policy.allowOrigin("http://localhost:5174")).isNull();
        assertThat(policy.allowOrigin("https://app.example.com.evil.test")).isNull();
        assertThat(policy.allowOrigin(null)).isNull();
    }

    @Test
    void aRegularExpressionMustMatchTheWholeOrigin() {
        CorsPolicy policy = new CorsPolicy(Configs.of("sluice.cors.origins[0]", "/https://[a-z0-9-]+\\.preview\\.example\\.com/"));

        assertThat(policy.allowOrigin("https://pr-12.preview.example.com")).isEqualTo("https://pr-12.preview.example.com");
        assertThat(policy.allowOrigin("https://pr-12.preview.example.com.evil.test")).isNull();
        assertThat(policy.allowOrigin("http://pr-12.preview.example.com")).isNull();
    }

    @Test
    void aStarAdmitsEveryOriginWithAStar() {
        CorsPolicy policy = new CorsPolicy(Configs.of("sluice.cors.origins[0]", "*"));

        assertThat(policy.allowOrigin("https://anything.test")).isEqualTo("*");
    }

    @Test
    void aListedOriginMayReadTheAnswerWhichVariesByOrigin() {
        CorsPolicy policy = new CorsPolicy(Configs.of("sluice.cors.origins[0]", "https://app.example.com"));
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();

        assertThat(policy.apply(headers, "https://app.example.com")).isEqualTo("https://app.example.com");

        assertThat(headers.getAll("access-control-allow-origin")).containsExactly("https://app.example.com");
        assertThat(headers.getAll("access-control-expose-headers")).containsExactly("*");
        assertThat(headers.getAll("vary")).containsExactly("origin");
    }

    @Test
    void anotherOriginOrNoneMayNotButTheAnswerStillVariesByOrigin() {
        CorsPolicy policy = new CorsPolicy(Configs.of("sluice.cors.origins[0]", "https://app.example.com"));
        MultiMap fromAnotherPage = MultiMap.caseInsensitiveMultiMap();
        MultiMap fromNoPage = MultiMap.caseInsensitiveMultiMap();

        assertThat(policy.apply(fromAnotherPage, "https://evil.test")).isNull();
        assertThat(policy.apply(fromNoPage, null)).isNull();

        for (MultiMap headers : java.util.List.of(fromAnotherPage, fromNoPage)) {
            assertThat(headers.contains("access-control-allow-origin")).isFalse();
            assertThat(headers.contains("access-control-expose-headers")).isFalse();
            assertThat(headers.getAll("vary")).containsExactly("origin");
        }
    }

    @Test
    void withAStarNothingVaries() {
        CorsPolicy policy = new CorsPolicy(Configs.of("sluice.cors.origins[0]", "*"));
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();

        assertThat(policy.apply(headers, "https://anything.test")).isEqualTo("*");

        assertThat(headers.get("access-control-allow-origin")).isEqualTo("*");
        assertThat(headers.contains("vary")).isFalse();
    }

    @Test
    void startUpNamesEveryOriginItCannotRead() {
        assertThatThrownBy(() -> new CorsPolicy(Configs.of(
                "sluice.cors.origins[0]", "https://ok.example.com",
                "sluice.cors.origins[1]", "https://app.example.com/chat",
                "sluice.cors.origins[2]", "/https://(unclosed/",
                "sluice.cors.origins[3]", "app.example.com",
                "sluice.cors.max-age", "-1s")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("sluice.cors.origins[1]: must be *, an origin such as https://app.example.com")
                .hasMessageContaining("(was https://app.example.com/chat)")
                .hasMessageContaining("sluice.cors.origins[2]: is not a regular expression")
                .hasMessageContaining("sluice.cors.origins[3]: must be *")
                .hasMessageContaining("sluice.cors.max-age: must not be negative")
                .hasMessageNotContaining("origins[0]");
    }
}
