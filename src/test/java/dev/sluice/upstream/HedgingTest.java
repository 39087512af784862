package dev.sluice.upstream;

import static dev.sluice.testing.Api.anthropic;
import static dev.sluice.testing.Api.openai;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

import dev.sluice.testing.Backends;
import dev.sluice.testing.InjectBackends;
import dev.sluice.testing.ProxyProfile;
import dev.sluice.testing.Replies;
import dev.sluice.testing.Scrape;
import dev.sluice.testing.TestBackend;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hedged and raced attempts through the HTTP API (contract §6.6), with backends that answer after set delays and
 * record when each request arrived and whether its connection was closed before it was answered. The model
 * {@code hedged} hedges its two backends after 300 ms; {@code raced} races its backend against its fallback's.
 */
@QuarkusTest
@TestProfile(ProxyProfile.class)
class HedgingTest {

    private static final String HEDGED = "{\"model\":\"hedged\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String HEDGED_STREAM =
            "{\"model\":\"hedged\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final long AFTER_MILLIS = 300;
    /**
     * Arrivals are stamped at the backends: a first attempt that had to open a connection while the hedge reused a
     * pooled one arrives that much later, so the gap between arrivals may fall short of {@code after} by as much.
     * (That the timer fires at {@code after} exactly is RouteTest's, with a hand-driven clock.) Under a loaded
     * {@code .ci/run} that connection took 39 ms once; a hedge started without waiting would arrive within a few ms.
     */
    private static final long CONNECT_SLACK_MILLIS = 100;

    @InjectBackends
    Backends backends;

    /** Which request arrives first at either backend of {@code hedged} decides its answer, not which backend it is. */
    final AtomicInteger turn = new AtomicInteger();

    @BeforeEach
    void reset() {
        backends.resetAll();
        turn.set(0);
    }

    static TestBackend.Reply answers(String id) {
        return Replies.json(200, Replies.CHAT_COMPLETION.replace("chatcmpl-1", id));
    }

    static TestBackend.Reply after(long millis, TestBackend.Reply reply) {
        return Replies.delayed(millis, reply);
    }

    /** Both backends of {@code hedged} answer the requests in the order they arrive, whichever gets which. */
    void hedgedBackendsAnswerInTurn(TestBackend.Reply... replies) {
        TestBackend.Reply shared = Replies.inTurn(turn, replies);
        backends.get("ha").reply(shared);
        backends.get("hb").reply(shared);
    }

    /** Every request both backends of {@code hedged} received, in the order they arrived. */
    List<TestBackend.Received> hedgedArrivals() {
        List<TestBackend.Received> all = new ArrayList<>(backends.get("ha").received());
        all.addAll(backends.get("hb").received());
        all.sort(Comparator.comparingLong(TestBackend.Received::arrivedNanos));
        return all;
    }

    static long millisBetween(TestBackend.Received first, TestBackend.Received second) {
        return (second.arrivedNanos() - first.arrivedNanos()) / 1_000_000;
    }

    static double hedges(String model, String outcome) {
        return Scrape.now().value("sluice_hedges_total", "model", model, "outcome", outcome);
    }

    @Test
    void aRequestRefusedBeforeItsModelWasLookedUpStillSaysNoAttemptStarted() {
        // the schema (422) and the tools (400) are checked before the model (contract §5); the body names a hedged one
        openai(ProxyProfile.KEY).body("{\"model\":\"hedged\",\"messages\":\"hi\"}").post("/v1/chat/completions")
                .then().statusCode(422).header("x-sluice-attempts", "0")
                .body("error.code", equalTo("schema_validation_failed"));
        openai(ProxyProfile.KEY).body("{\"model\":\"hedged\",\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}")
                .post("/v1/chat/completions").then().statusCode(400).header("x-sluice-attempts", "0")
                .body("error.code", equalTo("missing_tool_call_id"));
        // refused by the body's scan for a field of its own: the body is JSON and names its model all the same
        String messages = ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
        openai(ProxyProfile.KEY).body("{\"model\":\"hedged\"" + messages + ",\"stream\":\"yes\"}")
                .post("/v1/chat/completions").then().statusCode(422).header("x-sluice-attempts", "0")
                .body("error.code", equalTo("schema_validation_failed")).body("error.param", equalTo("stream"));
        openai(ProxyProfile.KEY).body("{\"model\":\"hedged\"" + messages + ",\"max_tokens\":-5}")
                .post("/v1/chat/completions").then().statusCode(422).header("x-sluice-attempts", "0")
                .body("error.param", equalTo("max_tokens"));
        // a body that is not JSON (a name given twice) names no model
        openai(ProxyProfile.KEY).body("{\"model\":\"hedged\"" + messages + ",\"max_tokens\":5,\"max_tokens\":6}")
                .post("/v1/chat/completions").then().statusCode(400).header("x-sluice-attempts", org.hamcrest.Matchers.nullValue())
                .body("error.code", equalTo("invalid_json"));
        // a model that does not hedge says nothing of it
        openai(ProxyProfile.KEY).body("{\"model\":\"chat\",\"messages\":\"hi\"}").post("/v1/chat/completions")
                .then().statusCode(422).header("x-sluice-attempts", org.hamcrest.Matchers.nullValue());
        openai(ProxyProfile.KEY).body("{\"model\":\"chat\"" + messages + ",\"stream\":\"yes\"}")
                .post("/v1/chat/completions").then().statusCode(422).header("x-sluice-attempts", org.hamcrest.Matchers.nullValue());
    }

    @Test
    void aStreamThatEndsBeforeItsFirstChunkDoesNotWin() {
        // given: the first attempt's backend ends its 200 stream at once with no event, the hedge's streams
        hedgedBackendsAnswerInTurn(Replies.emptyBody(true), Replies.sse(3, 10));

        // when
        String stream = openai(ProxyProfile.KEY).body(HEDGED_STREAM).post("/v1/chat/completions")
                .then().statusCode(200).header("x-sluice-attempts", "2").extract().asString();

        // then: the second attempt, started at once (a failure §6.3 retries), is the answer
        assertThat(stream).contains(Replies.chunk(0).toString()).endsWith("data: [DONE]\n\n");
        assertThat(hedgedArrivals()).hasSize(2);
    }

    @Test
    void theHedgeStartsOnceAfterHasPassedAndTheLoserSeesItsConnectionClosed() throws Exception {
        // given: the first request is slow, the second fast
        hedgedBackendsAnswerInTurn(after(3_000, answers("slow")), answers("fast"));
        double won = hedges("hedged", "won");
        double cancelled = hedges("hedged", "cancelled");

        // when
        long start = System.nanoTime();
        openai(ProxyProfile.KEY).body(HEDGED).post("/v1/chat/completions")
                .then().statusCode(200).header("x-sluice-attempts", "2").body("id", equalTo("fast"));
        long tookMillis = (System.nanoTime() - start) / 1_000_000;

        // then: the second attempt started after `after`, not before, on the other backend
        List<TestBackend.Received> arrivals = hedgedArrivals();
        assertThat(arrivals).hasSize(2);
        assertThat(millisBetween(arrivals.get(0), arrivals.get(1))).isBetween(AFTER_MILLIS - CONNECT_SLACK_MILLIS, 2_000L);
        assertThat(backends.get("ha").requestCount()).isEqualTo(1);
        assertThat(tookMillis).isLessThan(2_500);
        // the slow one was cancelled at once: its backend saw the connection closed long before it would answer
        assertThat(arrivals.get(0).awaitClosedUnanswered(Duration.ofSeconds(2))).isTrue();
        assertThat(arrivals.get(1).closedUnanswered()).isFalse();
        assertThat(hedges("hedged", "won")).isEqualTo(won + 1);
        assertThat(hedges("hedged", "cancelled")).isEqualTo(cancelled + 1);
    }

    @Test
    void anAnswerBeforeAfterStartsNoHedge() throws Exception {
        // given
        hedgedBackendsAnswerInTurn(after(100, answers("quick")));

        // when
        openai(ProxyProfile.KEY).body(HEDGED).post("/v1/chat/completions")
                .then().statusCode(200).header("x-sluice-attempts", "1").body("id", equalTo("quick"));

        // then: well past `after`, still one request
        Thread.sleep(AFTER_MILLIS + 200);
        assertThat(hedgedArrivals()).hasSize(1);
    }

    @Test
    void aNonStreamedAnswerStopsHedgingWithItsStatusLine() throws Exception {
        // given: the status line at once, the body only after twice `after`
        hedgedBackendsAnswerInTurn(Replies.headersThenBody(2 * AFTER_MILLIS, "headers-first"), answers("never"));

        // when / then: the status line answered, so no hedge started and the first answer is relayed
        openai(ProxyProfile.KEY).body(HEDGED).post("/v1/chat/completions")
                .then().statusCode(200).header("x-sluice-attempts", "1").body("id", equalTo("headers-first"));
        assertThat(hedgedArrivals()).hasSize(1);
    }

    @Test
    void aStreamAnswersWithItsFirstChunkSoTheFasterStreamWins() throws Exception {
        // given: the first stream's headers come at once but its first chunk late; the second streams at once
        hedgedBackendsAnswerInTurn(Replies.sseAfter(3_000, 3), Replies.sse(3, 0));

        // when
        Response response = openai(ProxyProfile.KEY).body(HEDGED_STREAM).post("/v1/chat/completions");

        // then: the client gets the second stream whole, and the first was cancelled
        response.then().statusCode(200).contentType(org.hamcrest.Matchers.startsWith("text/event-stream"))
                .header("x-sluice-attempts", "2");
        assertThat(response.asString()).isEqualTo(Replies.chunk(0).toString() + Replies.chunk(1) + Replies.chunk(2)
                + "data: [DONE]\n\n");
        List<TestBackend.Received> arrivals = hedgedArrivals();
        assertThat(millisBetween(arrivals.get(0), arrivals.get(1)))
                .isGreaterThanOrEqualTo(AFTER_MILLIS - CONNECT_SLACK_MILLIS);
        assertThat(arrivals.get(0).awaitClosedUnanswered(Duration.ofSeconds(2))).isTrue();
    }

    @Test
    void anAnswerThatIsNotRetriedIsFinalAndTheOtherAttemptIsCancelled() throws Exception {
        // given: the first answers 500 after the hedge started; the second would answer much later
        hedgedBackendsAnswerInTurn(after(AFTER_MILLIS + 200, Replies.status(500, "{}")), after(3_000, answers("late")));

        // when / then: the 500 is the answer, with both attempts listed and the count of attempts
        long start = System.nanoTime();
        openai(ProxyProfile.KEY).body(HEDGED).post("/v1/chat/completions")
                .then().statusCode(502).header("x-sluice-attempts", "2")
                .body("error.code", equalTo("backend_http_error"))
                .body("error.upstream_status", equalTo(500))
                .body("error.attempts.code", contains("http_500", "cancelled"));
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(2_500);
        assertThat(hedgedArrivals().get(1).awaitClosedUnanswered(Duration.ofSeconds(2))).isTrue();
    }

    @Test
    void aRetryableFailureStartsTheNextAttemptAtOnce() {
        // given
        hedgedBackendsAnswerInTurn(Replies.status(503, "{}"), answers("second"));

        // when
        openai(ProxyProfile.KEY).body(HEDGED).post("/v1/chat/completions")
                .then().statusCode(200).header("x-sluice-attempts", "2").body("id", equalTo("second"));

        // then: the second did not wait for `after`
        List<TestBackend.Received> arrivals = hedgedArrivals();
        assertThat(millisBetween(arrivals.get(0), arrivals.get(1))).isLessThan(AFTER_MILLIS - 50);
    }

    @Test
    void raceAcrossFallbacksHoldsOneSlotAndSettlesFromTheWinnerOnly() throws Exception {
        // given: the model's backend answers late with a large usage; its fallback answers early (5 + 7 tokens)
        backends.get("ra").reply(after(3_000, Replies.json(200, Replies.CHAT_COMPLETION.replace("chatcmpl-1", "slow")
                .replace("\"prompt_tokens\":5,\"completion_tokens\":7,\"total_tokens\":12",
                        "\"prompt_tokens\":500,\"completion_tokens\":500,\"total_tokens\":1000"))));
        backends.get("rb").reply(after(1_200, answers("fallback")));
        String key = ProxyProfile.key("hedge");
        double creditsBefore = usage(key).getDouble("credits.available");
        String body = "{\"model\":\"raced\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

        // when: the race is under way
        CompletableFuture<Response> raced = CompletableFuture.supplyAsync(
                () -> openai(key).body(body).post("/v1/chat/completions"));
        backends.get("ra").awaitRequests(1, Duration.ofSeconds(2));
        backends.get("rb").awaitRequests(1, Duration.ofSeconds(2));

        // then: both candidates started together, and the request holds one slot (the account's only one)
        openai(key).body(body).post("/v1/chat/completions").then().statusCode(429)
                .header("x-sluice-attempts", "0").body("error.code", equalTo("concurrency_limit_exceeded"));
        assertThat(usage(key).getInt("concurrency.in_flight")).isEqualTo(1);
        assertThat(raced).isNotDone();
        Response response = raced.get(5, TimeUnit.SECONDS);
        response.then().statusCode(200).header("x-sluice-attempts", "2").body("id", equalTo("fallback"));
        TestBackend.Received primary = backends.get("ra").last();
        TestBackend.Received fallback = backends.get("rb").last();
        assertThat(Math.abs(millisBetween(primary, fallback))).isLessThan(400);
        assertThat(primary.awaitClosedUnanswered(Duration.ofSeconds(2))).isTrue();
        // settled from the winner: its 12 tokens at its model's price (3 per 1k), nothing from the loser
        assertThat(usage(key).getInt("concurrency.in_flight")).isZero();
        assertThat(usage(key).getDouble("credits.available")).isEqualTo(round(creditsBefore - 0.036));
    }

    @Test
    void aTranslatedAnswerThatCannotBeReadDoesNotWinTheRaceWithItsStatusLine() throws Exception {
        // given: an Anthropic client racing an OpenAI model; its own backend answers 200 at once with a body that is
        // not JSON, its fallback's a good answer a little later
        backends.get("ra").reply(Replies.garbage());
        backends.get("rb").reply(after(300, answers("fallback")));
        String body = "{\"model\":\"raced\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

        // when
        Response response = anthropic(ProxyProfile.key("hedge")).body(body).post("/v1/messages");

        // then: the translated answer is read whole before it is decided on (§9: retried like a 502); the fallback
        // was not cancelled by the 200's status line, and answers
        response.then().statusCode(200).header("x-sluice-attempts", "2")
                .header("x-sluice-translated", "anthropic-to-openai").body("type", equalTo("message"));
        assertThat(backends.get("rb").requestCount()).isEqualTo(1);
        Thread.sleep(350); // the control-plane rate of /v1/usage, the next test's first call
    }

    static double round(double credits) {
        return Math.round(credits * 1_000_000) / 1_000_000.0;
    }

    static JsonPath usage(String key) throws InterruptedException {
        Thread.sleep(350); // stay under the control-plane rate (3/s)
        return openai(key).get("/v1/usage").then().statusCode(200).extract().jsonPath();
    }
}
