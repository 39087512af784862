package dev.sluice.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.ConfigProblems;
import dev.sluice.config.SluiceConfig;
import dev.sluice.error.ProxyError;
import dev.sluice.testing.Configs;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Automatic model choice (contract §6.7): which models are candidates, which are filtered out and why, the order. */
class AutoChoiceTest {

    Catalog catalog;

    /** Models given as name, then its settings as key/value pairs under {@code sluice.models.<name>.}; one backend each. */
    void models(String... entries) {
        List<String> config = new ArrayList<>();
        String model = null;
        for (int i = 0; i < entries.length; i++) {
            if (entries[i].startsWith("@")) {
                model = entries[i].substring(1);
                config.addAll(List.of("sluice.models." + model + ".backends[0].url", "http://" + model));
            } else {
                config.addAll(List.of("sluice.models." + model + "." + entries[i], entries[++i]));
            }
        }
        SluiceConfig sluice = Configs.of(config.toArray(String[]::new));
        ConfigProblems problems = new ConfigProblems();
        catalog = Catalog.build(sluice.models(), sluice.upstream(), problems, (backend, breaker) -> null);
        assertThat(problems.list()).isEmpty();
    }

    AutoChoice.Choice choose(long promptTokens, Integer maxTokens, String... fields) {
        return AutoChoice.choose(catalog.models(), model -> true, model -> true, promptTokens, maxTokens,
                Set.of(fields), System.nanoTime());
    }

    static List<String> names(AutoChoice.Choice choice) {
        assertThat(choice).isInstanceOf(AutoChoice.Candidates.class);
        return ((AutoChoice.Candidates) choice).models().stream().map(ModelRoute::name).toList();
    }

    static List<AutoChoice.Filtered> filtered(AutoChoice.Choice choice) {
        assertThat(choice).isInstanceOf(AutoChoice.NoneLeft.class);
        return ((AutoChoice.NoneLeft) choice).filtered();
    }

    @Test
    void onlyTheAsksForAutoMeansEmptyOrAuto() {
        assertThat(AutoChoice.requested("")).isTrue();
        assertThat(AutoChoice.requested("auto")).isTrue();
        assertThat(AutoChoice.requested("Auto")).isFalse();
        assertThat(AutoChoice.requested("chat")).isFalse();
        assertThat(AutoChoice.requested(null)).isFalse();
    }

    @Test
    void theCheapestServesAndTheOthersFollowByPriceThenLargerWindowThenName() {
        // given
        models("@pricey", "auto", "true", "price.input-per-1k", "0.5", "price.output-per-1k", "0.5",
                "@free-small", "auto", "true", "context-window", "4096",
                "@free-large", "auto", "true", "context-window", "32768",
                "@free-unbounded", "auto", "true",
                "@cheap-b", "auto", "true", "price.input-per-1k", "0.1", "price.output-per-1k", "0.2",
                "@cheap-a", "auto", "true", "price.input-per-1k", "0.2", "price.output-per-1k", "0.1",
                "@manual", "price.input-per-1k", "0.0");

        // when
        AutoChoice.Choice choice = choose(10, 10);

        // then: free first (no window counts as the largest), equal prices by name, manual is no candidate
        assertThat(names(choice)).containsExactly("free-unbounded", "free-large", "free-small", "cheap-a", "cheap-b",
                "pricey");
    }

    @Test
    void modelsTheEndpointDoesNotReachAreNoCandidates() {
        models("@chat", "auto", "true", "@claude", "auto", "true", "protocol", "anthropic");

        AutoChoice.Choice choice = AutoChoice.choose(catalog.models(), model -> model.protocol() == Protocol.OPENAI,
                model -> true, 10, 10, Set.of(), System.nanoTime());

        assertThat(names(choice)).containsExactly("chat");
    }

    @Test
    void aModelIsFilteredOutWhenThePromptAndTheAnswerDoNotFitItsWindow() {
        // given: 100 prompt tokens
        models("@small", "auto", "true", "context-window", "150", "default-max-tokens", "64",
                "@large", "auto", "true", "context-window", "2000", "price.input-per-1k", "1");

        // then: max_tokens counts; without it, the model's default-max-tokens (64, and 1024 for large) does
        assertThat(names(choose(100, 50))).containsExactly("small", "large");
        assertThat(names(choose(100, 51))).containsExactly("large");
        assertThat(names(choose(100, null))).containsExactly("large");
        assertThat(filtered(choose(1990, 11))).containsExactly(
                new AutoChoice.Filtered("large", "context_window"), new AutoChoice.Filtered("small", "context_window"));
    }

    @Test
    void aModelWhoseBackendsAreAllSkippedIsUnhealthy() {
        // given: every backend of one model down, one of two backends of another
        models("@down", "auto", "true", "@half", "auto", "true", "backends[1].url", "http://half-2");
        catalog.model("down").backends().forEach(backend -> backend.healthy(false));
        catalog.model("half").backends().get(0).healthy(false);

        // then
        assertThat(names(choose(1, 1))).containsExactly("half");
        catalog.model("half").backends().get(1).healthy(false);
        assertThat(filtered(choose(1, 1))).extracting(AutoChoice.Filtered::reason).containsOnly("unhealthy");
    }

    @Test
    void aModelThatListsAParameterOfTheRequestAsUnsupportedIsFilteredOut() {
        models("@strict", "auto", "true", "unsupported-parameters[0]", "logit_bias",
                "@lenient", "auto", "true", "price.input-per-1k", "1");

        assertThat(names(choose(1, 1, "messages", "temperature"))).containsExactly("strict", "lenient");
        assertThat(names(choose(1, 1, "messages", "logit_bias"))).containsExactly("lenient");
    }

    @Test
    void aModelTheRequestCannotBeCarriedToIsFilteredOutAsUnsupported() {
        // given: the request has a parameter the translation to claude's protocol cannot carry
        models("@claude", "auto", "true", "protocol", "anthropic", "@pricey", "auto", "true", "price.input-per-1k", "1");

        // when
        AutoChoice.Choice choice = AutoChoice.choose(catalog.models(), model -> true,
                model -> model.protocol() != Protocol.ANTHROPIC, 1, 1, Set.of("logit_bias"), System.nanoTime());

        // then
        assertThat(names(choice)).containsExactly("pricey");
        catalog.model("pricey").backends().forEach(backend -> backend.healthy(false));
        assertThat(filtered(AutoChoice.choose(catalog.models(), model -> true,
                model -> model.protocol() != Protocol.ANTHROPIC, 1, 1, Set.of("logit_bias"), System.nanoTime())))
                .containsExactly(new AutoChoice.Filtered("claude", "unsupported_parameter"),
                        new AutoChoice.Filtered("pricey", "unhealthy"));
    }

    @Test
    void theAnswerBudgetIsLoweredToMaxOutputTokensBeforeTheWindowCheck() {
        models("@capped", "auto", "true", "context-window", "100", "max-output-tokens", "50");

        assertThat(names(choose(40, 32_000))).containsExactly("capped");
        assertThat(filtered(choose(60, 32_000))).extracting(AutoChoice.Filtered::reason).containsExactly("context_window");
    }

    @Test
    void nothingLeftIsModelRouterErrorListingEveryCandidateWithItsFirstReasonByName() {
        // given: each model fails one filter; 'both' fails two and is listed with the first (context window)
        models("@tight", "auto", "true", "context-window", "10",
                "@down", "auto", "true",
                "@strict", "auto", "true", "unsupported-parameters[0]", "top_k",
                "@both", "auto", "true", "context-window", "10", "unsupported-parameters[0]", "top_k",
                "@manual");
        catalog.model("down").backends().forEach(backend -> backend.healthy(false));

        // when
        AutoChoice.Choice choice = choose(20, 5, "messages", "top_k");

        // then
        assertThat(filtered(choice)).containsExactly(
                new AutoChoice.Filtered("both", "context_window"),
                new AutoChoice.Filtered("down", "unhealthy"),
                new AutoChoice.Filtered("strict", "unsupported_parameter"),
                new AutoChoice.Filtered("tight", "context_window"));
        ProxyError error = ((AutoChoice.NoneLeft) choice).error();
        assertThat(error.status()).isEqualTo(503);
        assertThat(error.type()).isEqualTo("routing_error");
        assertThat(error.code()).isEqualTo("model_router_error");
        assertThat(((JsonArray) error.fields().get("filtered")).getJsonObject(1))
                .isEqualTo(new JsonObject().put("model", "down").put("reason", "unhealthy"));
        // a candidate down for now may come back: the SDKs may retry
        assertThat(error.headers()).containsEntry("x-should-retry", "true");

        // none down: the same request would fail alike however often it is sent
        ProxyError deterministic = new AutoChoice.NoneLeft(List.of(new AutoChoice.Filtered("tight", "context_window"),
                new AutoChoice.Filtered("strict", "unsupported_parameter"))).error();
        assertThat(deterministic.headers()).containsEntry("x-should-retry", "false");
    }

    @Test
    void noAutoModelIsModelRouterErrorWithAnEmptyList() {
        models("@manual");

        AutoChoice.Choice choice = choose(1, 1);

        assertThat(filtered(choice)).isEmpty();
        assertThat((JsonArray) ((AutoChoice.NoneLeft) choice).error().fields().get("filtered")).isEmpty();
    }
}
