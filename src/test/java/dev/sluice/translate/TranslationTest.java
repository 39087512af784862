package dev.sluice.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.routing.Protocol;
import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

/** What a translation changes around the body: header value, backend path, request headers, query, response headers. */
class TranslationTest {

    @Test
    void isChosenByTheClientsAndTheBackendsProtocol() {
        assertThat(Translation.between(Protocol.OPENAI, Protocol.ANTHROPIC)).isEqualTo(Translation.OPENAI_TO_ANTHROPIC);
        assertThat(Translation.between(Protocol.ANTHROPIC, Protocol.OPENAI)).isEqualTo(Translation.ANTHROPIC_TO_OPENAI);
        assertThat(Translation.between(Protocol.OPENAI, Protocol.OPENAI)).isNull();
        assertThat(Translation.between(Protocol.ANTHROPIC, Protocol.ANTHROPIC)).isNull();
    }

    @Test
    void namesClientThenBackendInItsHeader() {
        assertThat(Translation.HEADER).isEqualTo("x-sluice-translated");
        assertThat(Translation.OPENAI_TO_ANTHROPIC.headerValue()).isEqualTo("openai-to-anthropic");
        assertThat(Translation.ANTHROPIC_TO_OPENAI.headerValue()).isEqualTo("anthropic-to-openai");
    }

    @Test
    void callsTheBackendsOwnEndpoint() {
        assertThat(Translation.OPENAI_TO_ANTHROPIC.backendPath()).isEqualTo("/v1/messages");
        assertThat(Translation.ANTHROPIC_TO_OPENAI.backendPath()).isEqualTo("/v1/chat/completions");
    }

    @Test
    void dropsClaudeCodesAnthropicHeadersTowardsOpenAi() {
        // given the headers Claude Code sends, as the proxy would forward them
        MultiMap headers = MultiMap.caseInsensitiveMultiMap()
                .add("Anthropic-Version", "2023-06-01")
                .add("anthropic-beta", "claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27")
                .add("anthropic-dangerous-direct-browser-access", "true")
                .add("Accept-Encoding", "gzip, deflate, br")
                .add("x-app", "cli")
                .add("user-agent", "claude-cli/2.1.0 (external, cli)");

        // when
        Translation.ANTHROPIC_TO_OPENAI.adjustUpstreamHeaders(headers);

        // then
        // every anthropic-* header (the browser flag of the SDK's dangerouslyAllowBrowser too) means nothing there;
        // the client's codings give way to an uncompressed answer
        assertThat(headers.names()).containsExactlyInAnyOrder("x-app", "user-agent", "accept-encoding");
        assertThat(headers.get("accept-encoding")).isEqualTo("identity");
        assertThat(Translation.ANTHROPIC_TO_OPENAI.forwardsRequestHeader("ANTHROPIC-BETA")).isFalse();
        assertThat(Translation.ANTHROPIC_TO_OPENAI.forwardsRequestHeader("anthropic-dangerous-direct-browser-access"))
                .isFalse();
        assertThat(Translation.OPENAI_TO_ANTHROPIC.forwardsRequestHeader("anthropic-beta")).isTrue();
        assertThat(Translation.ANTHROPIC_TO_OPENAI.forwardsRequestHeader("x-stainless-lang")).isTrue();
    }

    @Test
    void addsTheAnthropicVersionOnlyWhenTheClientSentNone() {
        MultiMap none = MultiMap.caseInsensitiveMultiMap().add("user-agent", "OpenAI/JS 5.23.0");
        MultiMap own = MultiMap.caseInsensitiveMultiMap().add("anthropic-version", "2024-01-01");

        Translation.OPENAI_TO_ANTHROPIC.adjustUpstreamHeaders(none);
        Translation.OPENAI_TO_ANTHROPIC.adjustUpstreamHeaders(own);

        assertThat(none.get("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(own.getAll("anthropic-version")).containsExactly("2024-01-01");
    }

    @Test
    void asksEitherBackendForAnUncompressedAnswerItCanRead() {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("accept-encoding", "gzip");

        Translation.OPENAI_TO_ANTHROPIC.adjustUpstreamHeaders(headers);

        assertThat(headers.getAll("accept-encoding")).containsExactly("identity");
    }

    @Test
    void dropsTheBetaQueryParameterTowardsOpenAi() {
        assertThat(Translation.ANTHROPIC_TO_OPENAI.backendQuery("beta=true")).isNull();
        assertThat(Translation.ANTHROPIC_TO_OPENAI.backendQuery("a=1&beta=true&b=2")).isEqualTo("a=1&b=2");
        assertThat(Translation.ANTHROPIC_TO_OPENAI.backendQuery("betas=x")).isEqualTo("betas=x");
        assertThat(Translation.ANTHROPIC_TO_OPENAI.backendQuery(null)).isNull();
        assertThat(Translation.OPENAI_TO_ANTHROPIC.backendQuery("beta=true")).isEqualTo("beta=true");
    }

    @Test
    void doesNotRelayHeadersThatDescribeTheBackendsBody() {
        assertThat(Translation.OPENAI_TO_ANTHROPIC.relaysResponseHeader("Content-Length")).isFalse();
        assertThat(Translation.ANTHROPIC_TO_OPENAI.relaysResponseHeader("content-encoding")).isFalse();
        assertThat(Translation.ANTHROPIC_TO_OPENAI.relaysResponseHeader("content-type")).isTrue();
        assertThat(Translation.ANTHROPIC_TO_OPENAI.relaysResponseHeader("x-ratelimit-remaining-requests")).isTrue();
    }
}
