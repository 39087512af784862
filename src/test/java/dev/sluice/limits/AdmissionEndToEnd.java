package dev.sluice.limits;

import static dev.sluice.testing.Api.anthropic;
import static dev.sluice.testing.Api.openai;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.hasKey;

import dev.sluice.testing.Backends;
import dev.sluice.testing.ClientCalls;
import dev.sluice.testing.Concurrent;
import dev.sluice.testing.FixedWindows;
import dev.sluice.testing.InjectBackends;
import dev.sluice.testing.ProxyProfile;
import dev.sluice.testing.Replies;
import dev.sluice.testing.TestBackend;
import io.quarkus.test.common.http.TestHTTPResource;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Admission through the HTTP API (contract §4): every limit's code, fields and headers, nothing consumed by refused
 * requests, slots released however a request ends. Run once with each limit store.
 */
abstract class AdmissionEndToEnd {

    static final String CHAT = "{\"model\":\"priced\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @InjectBackends
    Backends backends;
    static HttpClient client;

    @TestHTTPResource("/")
    URL proxy;

    @BeforeAll
    static void startBackends() {
        client = TestBackend.vertx().createHttpClient();
    }

    @AfterAll
    static void stopBackends() {
        client.close();
    }

    @BeforeEach
    void resetBackend() {
        backends.resetAll();
    }

    static String key(String account) {
        return ProxyProfile.key(account);
    }

    static JsonPath usage(String account) throws InterruptedException {
        Thread.sleep(350); // stay under the control-plane rate (3/s)
        return openai(key(account)).get("/v1/usage").then().statusCode(200).extract().jsonPath();
    }

    /** Starts a streaming request that holds its slot until the backend's stream ends; completes on its first chunk. */
    CompletableFuture<Void> holdSlot(String account) {
        CompletableFuture<Void> firstChunk = new CompletableFuture<>();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(proxy.getHost())
                .setPort(proxy.getPort()).setURI("/v1/chat/completions")
                .putHeader("authorization", "Bearer " + key(account)).putHeader("content-type", "application/json");
        ClientCalls.send(client, options, CHAT.replace("}]}", "}],\"stream\":true}"),
                response -> response.handler(chunk -> firstChunk.complete(null)))
                .onFailure(firstChunk::completeExceptionally);
        return firstChunk;
    }

    /** Waits until the account has no request in flight (slots are released right after the answer ends). */
    static void awaitIdle(String account) throws InterruptedException {
        for (int i = 0; i < 20; i++) {
            if (usage(account).getInt("concurrency.in_flight") == 0) {
                return;
            }
        }
        throw new AssertionError("account " + account + " still has requests in flight");
    }

    @Test
    void refusesOverTheConcurrencyLimitWithItsHeaders() throws Exception {
        backends.get("l").reply(Replies.sse(6, 150));
        holdSlot("conc").get(5, TimeUnit.SECONDS);
        holdSlot("conc").get(5, TimeUnit.SECONDS);

        openai(key("conc")).body(CHAT).post("/v1/chat/completions")
                .then().statusCode(429).contentType("application/json")
                .header("retry-after", "1")
                .header("x-should-retry", "true")
                .header("ratelimit-limit", "2")
                .header("ratelimit-remaining", "0")
                .header("ratelimit-reset", "1")
                .header("ratelimit-policy", "\"concurrency\";q=2;qu=\"concurrent-requests\"")
                .header("ratelimit", "\"concurrency\";r=0;t=1")
                .body("error.type", equalTo("rate_limit_error"))
                .body("error.code", equalTo("concurrency_limit_exceeded"))
                .body("error.concurrency_limit", equalTo(2))
                .body("error.origin", equalTo("router"));
        assertThat(backends.get("l").requestCount()).isEqualTo(2);

        // the streams end: their slots come back
        awaitIdle("conc");
        openai(key("conc")).body(CHAT).post("/v1/chat/completions").then().statusCode(200);
    }

    @Test
    void aRequestThatFailsUpstreamReleasesItsSlot() throws Exception {
        backends.get("l").reply(Replies.status(503, "{}"));
        for (int i = 0; i < 4; i++) {
            openai(key("conc")).body(CHAT).post("/v1/chat/completions").then().statusCode(502);
        }
        backends.get("l").reply(Replies.stall());
        for (int i = 0; i < 2; i++) {
            // a timeout (504), or a connection lost while waiting (502): either way the request failed upstream
            openai(key("conc")).body(CHAT).post("/v1/chat/completions").then()
                    .statusCode(org.hamcrest.Matchers.oneOf(502, 504));
        }
        awaitIdle("conc");
    }

    @Test
    void aClientThatGoesAwayFreesItsSlotAtOnce() throws Exception {
        // given: a ten-second stream holding one of the account's slots
        backends.get("l").reply(Replies.sse(100, 100));
        CompletableFuture<io.vertx.core.http.HttpConnection> streaming = new CompletableFuture<>();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(proxy.getHost())
                .setPort(proxy.getPort()).setURI("/v1/chat/completions")
                .putHeader("authorization", "Bearer " + key("conc")).putHeader("content-type", "application/json");
        ClientCalls.send(client, options, CHAT.replace("}]}", "}],\"stream\":true}"),
                response -> response.handler(chunk -> streaming.complete(response.request().connection())));
        io.vertx.core.http.HttpConnection connection = streaming.get(5, TimeUnit.SECONDS);
        assertThat(usage("conc").getInt("concurrency.in_flight")).as("the stream holds a slot").isEqualTo(1);

        // when
        connection.close();

        // then: the slot is back long before the stream would have ended
        awaitIdle("conc");
    }

    @Test
    void clientsThatGoAwayAtAnyMomentLeaveNoSlotTaken() throws Exception {
        backends.get("l").reply(Replies.delayed(150, Replies.json(200, Replies.CHAT_COMPLETION)));
        io.vertx.core.http.HttpClient hasty = TestBackend.vertx().createHttpClient(
                new io.vertx.core.http.HttpClientOptions().setKeepAlive(false),
                new io.vertx.core.http.PoolOptions().setHttp1MaxSize(50));
        try {
            for (int i = 0; i < 30; i++) {
                long closeAfter = i * 10L;
                RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(proxy.getHost())
                        .setPort(proxy.getPort()).setURI("/v1/chat/completions")
                        .putHeader("authorization", "Bearer " + key("flood")).putHeader("content-type", "application/json");
                hasty.request(options).onSuccess(request -> {
                    request.send(CHAT);
                    TestBackend.vertx().setTimer(Math.max(1, closeAfter), t -> request.connection().close());
                });
            }
            Thread.sleep(700);
        } finally {
            hasty.close();
        }
        // the requests that reached the backend had been admitted: each took a slot, and each gave it back
        assertThat(backends.get("l").requestCount()).as("requests admitted and forwarded").isPositive();
        awaitIdle("flood");
    }

    @Test
    void aStreamsSlotIsFreeOnceTheClientHasItsFinalEvent() throws Exception {
        // given: a backend that sends its final event, then keeps the response open until the test ends it
        CompletableFuture<io.vertx.core.http.HttpServerResponse> open = new CompletableFuture<>();
        backends.get("l").reply((request, body, response) -> {
            response.setChunked(true).putHeader("content-type", "text/event-stream");
            response.write(Replies.chunk(0));
            response.write("data: [DONE]\n\n");
            open.complete(response);
        });
        CompletableFuture<Void> finalEvent = new CompletableFuture<>();
        CompletableFuture<Void> ended = new CompletableFuture<>();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(proxy.getHost())
                .setPort(proxy.getPort()).setURI("/v1/chat/completions")
                .putHeader("authorization", "Bearer " + key("serial")).putHeader("content-type", "application/json");
        ClientCalls.send(client, options, CHAT.replace("}]}", "}],\"stream\":true}"),
                response -> {
                    response.handler(chunk -> {
                        if (chunk.toString().contains("[DONE]")) {
                            finalEvent.complete(null);
                        }
                    });
                    response.endHandler(end -> ended.complete(null));
                });

        // when: the client has the stream's final event (its answer is complete for an SDK)
        finalEvent.get(5, TimeUnit.SECONDS);

        // then: its slot is already free, while the backend has not ended the response yet
        int inFlight = openai(key("serial")).get("/v1/usage").then().statusCode(200).extract().jsonPath()
                .getInt("concurrency.in_flight");
        assertThat(ended).isNotDone();
        assertThat(inFlight).isZero();
        open.get(5, TimeUnit.SECONDS).end();
        ended.get(5, TimeUnit.SECONDS);
    }

    @Test
    void aClientSendingItsNextRequestAsSoonAsItHasTheLastByteFindsItsSlotFree() throws Exception {
        // given: one slot, and a client on one keep-alive connection that sends each request the moment it has read
        // the whole previous answer (an SDK in a loop); a quarter of the answers are streams
        backends.get("l").reply((request, body, response) -> {
            if (body.toString().contains("\"stream\":true")) {
                Replies.sse(2, 0).answer(request, body, response);
            } else {
                Replies.json(200, Replies.CHAT_COMPLETION).answer(request, body, response);
            }
        });
        String stream = CHAT.replace("}]}", "}],\"stream\":true}");
        HttpClient sequential = TestBackend.vertx().createHttpClient(new io.vertx.core.http.HttpClientOptions()
                .setKeepAlive(true), new io.vertx.core.http.PoolOptions().setHttp1MaxSize(1));
        List<Integer> statuses = new java.util.concurrent.CopyOnWriteArrayList<>();
        try {
            // when
            io.vertx.core.Future<Void> chain = io.vertx.core.Future.succeededFuture();
            for (int i = 0; i < 60; i++) {
                String body = i % 4 == 0 ? stream : CHAT;
                chain = chain.compose(previous -> ClientCalls.read(sequential, new RequestOptions()
                        .setMethod(HttpMethod.POST).setHost(proxy.getHost()).setPort(proxy.getPort())
                        .setURI("/v1/chat/completions").putHeader("authorization", "Bearer " + key("serial"))
                        .putHeader("content-type", "application/json"), body)
                        .map(answered -> {
                            statuses.add(answered.status());
                            return null;
                        }));
            }
            chain.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } finally {
            sequential.close();
        }

        // then: not one of them is refused
        assertThat(statuses).hasSize(60).containsOnly(200);
    }

    @Test
    void refusesOverTheRequestQuotaAndCountsNothingForRefusedRequests() throws Exception {
        FixedWindows.awayFromTheEnd(Duration.ofHours(1), Duration.ofSeconds(30));
        long windowEnd = (System.currentTimeMillis() / 3_600_000 + 1) * 3_600_000;
        for (int i = 1; i <= 3; i++) {
            Response response = openai(key("quota")).body(CHAT).post("/v1/chat/completions");
            response.then().statusCode(200)
                    .header("ratelimit-limit", "3")
                    .header("ratelimit-remaining", Integer.toString(3 - i))
                    .header("ratelimit-policy", "\"quota\";q=3;w=3600, \"concurrency\";q=50;qu=\"concurrent-requests\"")
                    .header("ratelimit", matchesPattern("\"quota\";r=" + (3 - i) + ";t=\\d+, \"concurrency\";r=\\d+"));
            long reset = Long.parseLong(response.header("ratelimit-reset"));
            assertThat(reset).isBetween(1L, 3600L);
        }
        for (int i = 0; i < 2; i++) {
            Response refused = openai(key("quota")).body(CHAT).post("/v1/chat/completions");
            refused.then().statusCode(429)
                    .header("x-should-retry", "false")
                    .header("ratelimit-limit", "3")
                    .header("ratelimit-remaining", "0")
                    .header("ratelimit", matchesPattern("\"quota\";r=0;t=\\d+, \"concurrency\";r=\\d+"))
                    .body("error.type", equalTo("rate_limit_error"))
                    .body("error.code", equalTo("request_quota_exceeded"))
                    .body("error.request_limit", equalTo(3))
                    .body("error.plan_tier", equalTo("free"))
                    .body("error.window_end", equalTo(Instant.ofEpochMilli(windowEnd).toString()));
            long retryAfter = Long.parseLong(refused.header("retry-after"));
            assertThat(retryAfter).isEqualTo(Long.parseLong(refused.header("ratelimit-reset"))).isBetween(1L, 3600L);
        }
        assertThat(backends.get("l").requestCount()).isEqualTo(3);
        JsonPath usage = usage("quota");
        assertThat(usage.getInt("quota.used")).isEqualTo(3);
        assertThat(usage.getInt("quota.remaining")).isZero();
        assertThat(usage.getString("quota.window_end")).isEqualTo(Instant.ofEpochMilli(windowEnd).toString());
    }

    @Test
    void leavesPlanTierOutWhenTheAccountHasNoPlan() {
        awayFromTheMinuteBoundary();
        openai(key("noplan")).body(CHAT).post("/v1/chat/completions").then().statusCode(200);
        openai(key("noplan")).body(CHAT).post("/v1/chat/completions").then().statusCode(200);
        openai(key("noplan")).body(CHAT).post("/v1/chat/completions")
                .then().statusCode(429).body("error.code", equalTo("request_quota_exceeded"))
                .body("error", not(hasKey("plan_tier")))
                .body("error.window_end", matchesPattern("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:00Z$"));
    }

    @Test
    void refusesOverTheRateWithTheBurstInItsHeaders() {
        openai(key("rate")).body(CHAT).post("/v1/chat/completions").then().statusCode(200)
                .header("ratelimit-policy", "\"rate\";q=2;w=1");
        openai(key("rate")).body(CHAT).post("/v1/chat/completions").then().statusCode(200);
        openai(key("rate")).body(CHAT).post("/v1/chat/completions")
                .then().statusCode(429)
                .header("retry-after", "1")
                .header("x-should-retry", "true")
                .header("ratelimit-limit", "2")
                .header("ratelimit-remaining", "0")
                .header("ratelimit", matchesPattern("\"rate\";r=0;t=1"))
                .body("error.code", equalTo("rate_limit_exceeded"))
                .body("error.limit", equalTo("requests"));
    }

    @Test
    void reservesTokensAndSettlesThemToTheAnswersUsage() throws Exception {
        awayFromTheMinuteBoundary();
        // the answer reports 5 prompt + 7 completion tokens
        openai(key("tokens")).body(CHAT.replace("}]}", "}],\"max_tokens\":30}")).post("/v1/chat/completions")
                .then().statusCode(200).header("ratelimit-policy", "\"tokens\";q=100;w=60");
        awaitTokens("tokens", 12);

        // 1 prompt token + 95 would pass 100
        openai(key("tokens")).body(CHAT.replace("}]}", "}],\"max_tokens\":95}")).post("/v1/chat/completions")
                .then().statusCode(429)
                .header("x-should-retry", "true")
                .header("ratelimit-limit", "100")
                .body("error.code", equalTo("rate_limit_exceeded"))
                .body("error.limit", equalTo("tokens"));
        assertThat(usage("tokens").getInt("tokens.used")).isEqualTo(12);

        // 1 + 80 fits
        openai(key("tokens")).body(CHAT.replace("}]}", "}],\"max_tokens\":80}")).post("/v1/chat/completions")
                .then().statusCode(200);
    }

    @Test
    void refusesWhenCreditsDoNotCoverTheEstimateAndChargesTheRealCost() throws Exception {
        // estimate: (1 prompt + 10 max) / 1000 = 0.011 of 0.02; real: (5 + 7) / 1000 = 0.012
        openai(key("credits")).body(CHAT.replace("}]}", "}],\"max_tokens\":10}")).post("/v1/chat/completions")
                .then().statusCode(200);
        awaitCredits("credits", 0.008);

        openai(key("credits")).body(CHAT.replace("}]}", "}],\"max_tokens\":10}")).post("/v1/chat/completions")
                .then().statusCode(402)
                .header("x-should-retry", "false")
                .body("error.type", equalTo("insufficient_credits"))
                .body("error.code", equalTo("insufficient_credits"))
                .body("error.available_credits", equalTo(0.008f))
                .body("error.required_credits", equalTo(0.011f))
                .body("error.topup_url", equalTo("https://billing.example/topup"));
        assertThat(usage("credits").getDouble("credits.available")).isEqualTo(0.008);
        assertThat(backends.get("l").requestCount()).isEqualTo(1);
    }

    @Test
    void embeddingsReserveOnlyTheirPromptAndSettleFromItsUsage() throws Exception {
        awayFromTheMinuteBoundary();
        // given: an embeddings answer, whose usage has prompt tokens and no completion tokens
        backends.get("l").reply(Replies.json(200, "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\","
                + "\"index\":0,\"embedding\":[0.1,0.2]}],\"model\":\"m\",\"usage\":{\"prompt_tokens\":8,"
                + "\"total_tokens\":8}}"));

        // when
        openai(key("embed")).body("{\"model\":\"priced\",\"input\":\"hello there\"}").post("/v1/embeddings")
                .then().statusCode(200);

        // then: the 8 prompt tokens, not the model's default max_tokens (40) reserved for an answer never written
        awaitTokens("embed", 8);
        assertThat(usage("embed").getInt("tokens.used")).isEqualTo(8);
    }

    @Test
    void settlesAStreamFromItsFinalUsageChunk() throws Exception {
        awayFromTheMinuteBoundary();
        backends.get("l").reply((request, body, response) -> {
            response.setChunked(true).putHeader("content-type", "text/event-stream");
            response.write(Replies.chunk(0));
            response.write("data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":30,"
                    + "\"total_tokens\":50}}\n\n");
            response.end("data: [DONE]\n\n");
        });
        String body = openai(key("settle")).body(CHAT.replace("}]}", "}],\"stream\":true,\"max_tokens\":500}"))
                .post("/v1/chat/completions").then().statusCode(200).extract().asString();
        assertThat(body).contains("\"prompt_tokens\":20").endsWith("data: [DONE]\n\n");
        awaitTokens("settle", 50);
        assertThat(usage("settle").getDouble("credits.available")).isEqualTo(0.95);
    }

    @Test
    void anAnthropicStreamCutAfterItsFirstEventSettlesToTheEstimate() throws Exception {
        awayFromTheMinuteBoundary();
        // message_start carries the prompt's usage and the first output token; the final usage (message_delta) never comes
        backends.get("l").reply((request, body, response) -> {
            response.setChunked(true).putHeader("content-type", "text/event-stream");
            response.write("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\","
                    + "\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"m\",\"usage\":"
                    + "{\"input_tokens\":20,\"output_tokens\":1}}}\n\n");
            response.write("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                    + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
            TestBackend.vertx().setTimer(50, t -> response.reset());
        });
        String body = anthropic(key("settlecut")).body("{\"model\":\"priced-claude\",\"max_tokens\":500,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").post("/v1/messages")
                .then().statusCode(200).extract().asString();
        assertThat(body).contains("\"input_tokens\":20").contains("event: error");
        // the estimate stands (contract §4.2): 1 prompt token ("hi") + max_tokens 500, at 1.0 per 1k; not 20 + 1
        awaitTokens("settlecut", 501);
        assertThat(usage("settlecut").getDouble("credits.available")).isEqualTo(0.499);
    }

    @Test
    void neverRunsMoreThanTheLimitAtOnceUnderAFlood() throws Exception {
        AtomicInteger active = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        backends.get("l").reply(Replies.counting(300, active, peak));

        List<Concurrent.Answer> answers = Concurrent.post(proxy.getPort(), 200, "/v1/chat/completions", key("flood"), CHAT);

        long ok = answers.stream().filter(answer -> answer.status() == 200).count();
        long refused = answers.stream().filter(answer -> answer.status() == 429).count();
        assertThat(ok + refused).isEqualTo(200);
        assertThat(ok).isGreaterThanOrEqualTo(10);
        assertThat(answers).filteredOn(answer -> answer.status() == 429)
                .allMatch(answer -> "concurrency_limit_exceeded".equals(answer.code()));
        assertThat(peak.get()).isLessThanOrEqualTo(10);
        assertThat(backends.get("l").requestCount()).isEqualTo((int) ok);
        awaitIdle("flood");
    }

    @Test
    void reportsUsageWithoutCountingItselfAndLimitsItsRate() throws Exception {
        FixedWindows.awayFromTheEnd(Duration.ofHours(1), Duration.ofSeconds(30));
        openai(key("open")).body(CHAT).post("/v1/chat/completions").then().statusCode(200);
        JsonPath first = usage("open");
        assertThat(first.getString("account")).isEqualTo("open");
        assertThat(first.getString("plan_tier")).isEqualTo("free");
        assertThat(first.getInt("concurrency.limit")).isEqualTo(50);
        assertThat(first.getInt("concurrency.in_flight")).isZero();
        assertThat(first.getInt("quota.limit")).isEqualTo(1_000_000);
        assertThat(first.getInt("quota.used")).isEqualTo(1);
        assertThat(first.getInt("quota.remaining")).isEqualTo(999_999);
        assertThat(first.getMap("")).doesNotContainKeys("rate", "tokens", "credits");
        assertThat(usage("open").getInt("quota.used")).isEqualTo(1);

        Thread.sleep(1100);
        for (int i = 0; i < 3; i++) {
            openai(key("open")).get("/v1/usage").then().statusCode(200);
        }
        // the control-plane rate (3 a second) is one of the proxy's own limits: its 429 carries their headers (§4.3)
        openai(key("open")).get("/v1/usage").then().statusCode(429)
                .header("retry-after", matchesPattern("\\d+"))
                .header("x-should-retry", "true")
                .header("ratelimit-limit", "3")
                .header("ratelimit-remaining", "0")
                .header("ratelimit-reset", matchesPattern("[1-9]\\d*"))
                .body("error.code", equalTo("rate_limit_exceeded"));
    }

    private static void awaitTokens(String account, int expected) throws InterruptedException {
        for (int i = 0; i < 10 && usage(account).getInt("tokens.used") != expected; i++) {
            Thread.sleep(50);
        }
        assertThat(usage(account).getInt("tokens.used")).isEqualTo(expected);
    }

    private static void awaitCredits(String account, double expected) throws InterruptedException {
        for (int i = 0; i < 10 && usage(account).getDouble("credits.available") != expected; i++) {
            Thread.sleep(50);
        }
        assertThat(usage(account).getDouble("credits.available")).isEqualTo(expected);
    }

    /** Token minutes are epoch-aligned: a test that spans two of them would see its count reset. */
    private static void awayFromTheMinuteBoundary() {
        FixedWindows.awayFromTheEnd(Duration.ofMinutes(1), Duration.ofSeconds(15));
    }
}
