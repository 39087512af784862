package dev.sluice.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.error.ProxyError;
import dev.sluice.api.Endpoint;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** No request of the valid corpus (shaped as the official OpenAI and Anthropic SDKs send them) is refused. */
class ValidRequestsTest {

    static List<Fixtures.Valid> corpus() {
        return Fixtures.valid();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void passesEveryCheck(Fixtures.Valid request) {
        ProxyError error = Fixtures.check(request.endpoint(), request.forModel(request.roomyModel()));

        assertThat(error).as("%s was refused: %s %s (%s)", request.name(), error == null ? "" : error.code(),
                error == null ? "" : error.param(), error == null ? "" : error.getMessage()).isNull();
    }

    @Test
    void theCorpusIsLargeAndCoversEveryProxiedEndpoint() {
        List<Fixtures.Valid> corpus = Fixtures.valid();

        assertThat(corpus).hasSizeGreaterThanOrEqualTo(25);
        assertThat(corpus.stream().map(Fixtures.Valid::endpoint).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder(Endpoint.CHAT_COMPLETIONS, Endpoint.COMPLETIONS, Endpoint.EMBEDDINGS,
                        Endpoint.RESPONSES, Endpoint.MESSAGES);
    }
}
