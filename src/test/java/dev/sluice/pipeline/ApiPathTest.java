package dev.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The paths the request pipeline's route takes: {@code /v1} and what lies under it, nothing merely beginning so. */
class ApiPathTest {

    @ParameterizedTest
    @ValueSource(strings = {"/v1", "/v1/", "/v1/chat/completions", "/v1/messages", "/v1/models", "/v1/unknown/deep"})
    void theApiAndEverythingUnderItIsTaken(String path) {
        assertThat(RequestPipeline.underV1(path)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/v", "/v2", "/v1x", "/v10/chat/completions", "/V1/chat/completions", "/admin/v1/keys",
            "/q/metrics", "/x/v1/chat/completions"})
    void otherPathsAreLeftToTheOtherRoutes(String path) {
        assertThat(RequestPipeline.underV1(path)).isFalse();
    }
}
