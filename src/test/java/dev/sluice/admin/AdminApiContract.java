package dev.sluice.admin;

import static dev.sluice.testing.Api.given;
import static dev.sluice.testing.Api.openai;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;

import dev.sluice.testing.Api;
import dev.sluice.testing.Backends;
import dev.sluice.testing.ErrorLog;
import dev.sluice.testing.FixedWindows;
import dev.sluice.testing.InjectBackends;
import dev.sluice.testing.Management;
import dev.sluice.testing.ProxyProfile;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.Scrape;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The admin API through HTTP (contract §10.1): every call and every error, and what it changes on the request path.
 * Run once per store ({@link AdminApiTest} in the instance, {@link RedisAdminApiTest} in Redis).
 */
abstract class AdminApiContract {

    static final String CHAT = Api.chat("chat");
    static final String PRICED = "{\"model\":\"priced\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    static final String SECRET = "^sk-sluice-[A-Za-z0-9]{32,}$";
    static final String REQUEST_ID = "^req_[0-9a-f]{12}$";

    @InjectBackends
    Backends backends;

    @BeforeEach
    void resetBackends() {
        backends.resetAll();
    }

    static RequestSpecification admin() {
        return given().header("authorization", "Bearer " + ProxyProfile.ADMIN_KEY);
    }

    static JsonPath createKey(String body) {
        return admin().body(body).post("/admin/v1/keys").then().statusCode(201).extract().jsonPath();
    }

    static int chat(String key) {
        return openai(key).body(CHAT).post("/v1/chat/completions").statusCode();
    }

    static io.restassured.response.ValidatableResponse error(Response response, int status, String code, String param) {
        return response.then().statusCode(status).contentType("application/json")
                .header("x-request-id", matchesPattern(REQUEST_ID))
                .body("error.code", equalTo(code)).body("error.param", equalTo(param))
                .body("error.origin", equalTo("router"))
                .body("error.request_id", equalTo(response.header("x-request-id")));
    }

    @Test
    void everyRequestNeedsAnAdminKeyAndApiKeysAreRefused() {
        error(given().get("/admin/v1/keys"), 401, "http_401", null);
        error(given().header("authorization", "Bearer sk-nobody").get("/admin/v1/keys"), 401, "http_401", null);
        // the admin key beside another: not guessed between
        error(admin().header("authorization", "Bearer sk-nobody").get("/admin/v1/keys"), 401, "http_401", null);
        error(openai(ProxyProfile.KEY).get("/admin/v1/keys"), 403, "http_403", null);
        error(Api.anthropic(ProxyProfile.KEY).get("/admin/v1/keys"), 403, "http_403", null);
        // and an admin key is no API key
        error(openai(ProxyProfile.ADMIN_KEY).body(CHAT).post("/v1/chat/completions"), 401, "http_401", null);
    }

    @Test
    void aPathRestEasyReadsAsAnAdminPathNeedsTheAdminKeyToo() {
        // RESTEasy drops a segment's ;parameters and decodes the path: these reach the resources, not the gate's route
        String account = "sneaky" + System.nanoTime();
        int keysBefore = admin().get("/admin/v1/keys?account=acme").jsonPath().getList("data").size();
        String creditsBefore = admin().get("/admin/v1/accounts/acme").jsonPath().getString("usage.credits");
        List<String> requests = List.of(
                "GET /admin;x/v1/keys HTTP/1.1",
                "GET /admin;/v1/keys HTTP/1.1",
                "PUT /admin;a=b/v1/accounts/" + account + " HTTP/1.1",
                "POST /%61dmin/v1/keys HTTP/1.1",
                "POST /admin;x/v1/accounts/" + "acme/credits HTTP/1.1");
        for (String requestLine : requests) {
            String body = requestLine.startsWith("GET") ? "" : "{\"account\":\"acme\",\"amount\":1000}";
            try (RawHttp http = RawHttp.connect(io.restassured.RestAssured.port)) {
                RawHttp.Answer answer = http.send(requestLine + "\r\nhost: localhost\r\ncontent-type: application/json\r\n"
                        + "content-length: " + body.length() + "\r\n\r\n" + body).read();
                assertThat(answer.status()).as(requestLine).isIn(401, 404);
                assertThat(answer.header("x-request-id")).as(requestLine).matches(REQUEST_ID);
                assertThat(answer.body()).as(requestLine).contains("\"type\":\"" + (answer.status() == 401
                        ? "authentication_error" : "invalid_request_error") + "\"");
            }
        }
        // nothing was made or changed
        error(admin().get("/admin/v1/accounts/" + account), 404, "not_found", null);
        assertThat(admin().get("/admin/v1/keys?account=acme").jsonPath().getList("data")).hasSize(keysBefore);
        assertThat(admin().get("/admin/v1/accounts/acme").jsonPath().getString("usage.credits")).isEqualTo(creditsBefore);
    }

    @Test
    void aPathTheRouterNormalisesIsTheAdminPathItNames() {
        // a tool whose base URL ends in a slash sends //admin/…: the gate decides on the path as the router reads it
        for (String path : List.of("//admin/v1/keys", "/admin/v1/./keys", "/admin/x/../v1/keys")) {
            try (RawHttp http = RawHttp.connect(io.restassured.RestAssured.port)) {
                RawHttp.Answer answer = http.send("GET " + path + " HTTP/1.1\r\nhost: localhost\r\n"
                        + "authorization: Bearer " + ProxyProfile.ADMIN_KEY + "\r\n\r\n").read();
                assertThat(answer.status()).as(path).isEqualTo(200);
                assertThat(answer.body()).as(path).contains("\"object\":\"list\"");
            }
            try (RawHttp http = RawHttp.connect(io.restassured.RestAssured.port)) {
                RawHttp.Answer answer = http.send("GET " + path + " HTTP/1.1\r\nhost: localhost\r\n\r\n").read();
                assertThat(answer.status()).as(path + " without a key").isEqualTo(401);
                assertThat(answer.body()).as(path).contains("\"code\":\"http_401\"");
            }
        }
    }

    @Test
    void unknownPathsAndMethodsAnswerTheEnvelope() {
        error(admin().get("/admin/v1/nothing"), 404, "not_found", null);
        error(admin().get("/admin/v2/keys"), 404, "not_found", null);
        error(admin().patch("/admin/v1/keys"), 405, "method_not_allowed", null);
        admin().header("x-request-id", "abc").get("/admin/v1/nothing").then().header("x-request-id", "client_abc");
    }

    @Test
    void aMethodAPathRefusesIsNotListedAsAllowed() {
        // OPTIONS is not served: it says, as every 405 does, what the path answers
        error(admin().options("/admin/v1/keys"), 405, "method_not_allowed", null).header("allow", "GET, HEAD, POST");
        error(admin().delete("/admin/v1/keys"), 405, "method_not_allowed", null).header("allow", "GET, HEAD, POST");
        error(admin().options("/admin/v1/keys/key_000000000000"), 405, "method_not_allowed", null)
                .header("allow", "GET, HEAD, DELETE");
        error(admin().post("/admin/v1/accounts/acme"), 405, "method_not_allowed", null)
                .header("allow", "GET, HEAD, PUT, DELETE");
        error(admin().get("/admin/v1/accounts/acme/credits"), 405, "method_not_allowed", null).header("allow", "POST");
        // and the methods listed are answered
        admin().head("/admin/v1/keys").then().statusCode(200);
        admin().head("/admin/v1/accounts/acme").then().statusCode(200);
    }

    @Test
    void aCreatedKeyWorksIsShownWithoutItsSecretAndStopsWhenDeleted() {
        // given
        JsonPath created = createKey("{\"account\":\"acme\",\"name\":\"ci\",\"models\":[\"chat\"]}");
        String secret = created.getString("key");
        String id = created.getString("id");
        assertThat(secret).matches(SECRET);
        assertThat(id).matches("^key_[0-9a-f]{12}$");
        assertThat(created.getString("object")).isEqualTo("key");
        assertThat(created.getString("source")).isEqualTo("runtime"); // as GET of one key says it
        assertThat(created.getString("account")).isEqualTo("acme");
        assertThat(created.getString("name")).isEqualTo("ci");
        assertThat(created.getList("models")).containsExactly("chat");
        assertThat(Instant.parse(created.getString("created_at"))).isBefore(Instant.now().plusSeconds(1));
        assertThat(created.getMap("")).doesNotContainKey("expires_at").doesNotContainKey("protocols");

        // then it works at once on this instance, for its models only
        assertThat(chat(secret)).isEqualTo(200);
        openai(secret).body(CHAT.replace("\"chat\"", "\"priced\"")).post("/v1/chat/completions").then().statusCode(404)
                .body("error.code", equalTo("model_not_found"));
        // shown without its secret or hash
        admin().get("/admin/v1/keys/" + id).then().statusCode(200).body("id", equalTo(id))
                .body("$", not(hasKey("key"))).body("$", not(hasKey("sha256")));
        List<Map<String, Object>> listed = admin().queryParam("account", "acme").get("/admin/v1/keys").then()
                .statusCode(200).body("object", equalTo("list")).extract().jsonPath().getList("data");
        assertThat(listed).anySatisfy(key -> assertThat(key).containsEntry("id", id).containsEntry("source", "runtime")
                .doesNotContainKeys("key", "sha256"));
        assertThat(admin().get("/admin/v1/keys").asString()).doesNotContain(secret).doesNotContain(sha256(secret));
        // an empty filter (an unset variable in a script) names no account: refused, not every key
        error(admin().get("/admin/v1/keys?account="), 422, "schema_validation_failed", "account");
        assertThat(admin().queryParam("account", "nobody").get("/admin/v1/keys").jsonPath().getList("data")).isEmpty();

        // when deleted
        admin().delete("/admin/v1/keys/" + id).then().statusCode(204).header("x-request-id", matchesPattern(REQUEST_ID));

        // then it stops working, and is gone
        assertThat(chat(secret)).isEqualTo(401);
        error(admin().get("/admin/v1/keys/" + id), 404, "not_found", null);
        error(admin().delete("/admin/v1/keys/" + id), 404, "not_found", null);
    }

    @Test
    void aKeyLimitedToAProtocolIsRefusedOnTheOther() {
        String secret = createKey("{\"account\":\"acme\",\"protocols\":[\"anthropic\"]}").getString("key");
        error(openai(secret).body(CHAT).post("/v1/chat/completions"), 403, "http_403", null);
        // a protocol named in another case is the same protocol, shown as the file names it
        JsonPath mixedCase = createKey("{\"account\":\"acme\",\"protocols\":[\"OpenAI\"]}");
        assertThat(mixedCase.getList("protocols")).containsExactly("openai");
        admin().get("/admin/v1/keys/" + mixedCase.getString("id")).then().body("protocols", contains("openai"));
    }

    @Test
    void aKeyStopsWorkingAtItsExpiry() throws Exception {
        Instant expiry = Instant.now().plusMillis(1500);
        JsonPath created = createKey("{\"account\":\"acme\",\"expires_at\":\"" + expiry + "\"}");
        assertThat(Instant.parse(created.getString("expires_at"))).isEqualTo(expiry.truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        assertThat(chat(created.getString("key"))).isEqualTo(200);
        Thread.sleep(Math.max(0, expiry.toEpochMilli() - System.currentTimeMillis()) + 50);
        assertThat(chat(created.getString("key"))).isEqualTo(401);
    }

    @Test
    void keyBodiesThatFailTheirSchemaAnswer422WithTheirParam() {
        error(admin().body("{}").post("/admin/v1/keys"), 422, "schema_validation_failed", "account");
        error(admin().body("{\"account\":\"nobody\"}").post("/admin/v1/keys"), 422, "schema_validation_failed", "account");
        error(admin().body("{\"account\":7}").post("/admin/v1/keys"), 422, "schema_validation_failed", "account");
        error(admin().body("{\"account\":\"acme\",\"models\":[\"chat\",\"nope\"]}").post("/admin/v1/keys"), 422,
                "schema_validation_failed", "models[1]");
        error(admin().body("{\"account\":\"acme\",\"protocols\":[\"grpc\"]}").post("/admin/v1/keys"), 422,
                "schema_validation_failed", "protocols[0]");
        error(admin().body("{\"account\":\"acme\",\"expires_at\":\"2020-01-01T00:00:00Z\"}").post("/admin/v1/keys"), 422,
                "schema_validation_failed", "expires_at");
        error(admin().body("{\"account\":\"acme\",\"expires_at\":\"tomorrow\"}").post("/admin/v1/keys"), 422,
                "schema_validation_failed", "expires_at");
        error(admin().body("{\"account\":\"acme\",\"acount\":\"x\"}").post("/admin/v1/keys"), 422,
                "schema_validation_failed", "acount");
        error(admin().body("[1]").post("/admin/v1/keys"), 422, "schema_validation_failed", null);
        error(admin().body("{\"account\":").post("/admin/v1/keys"), 400, "invalid_json", null);
        error(admin().contentType("text/plain").body("{}").post("/admin/v1/keys"), 415, "unsupported_media_type", null);
        // values past what the proxy can hold are refused, not failed on (they answered 500)
        error(admin().body("{\"account\":\"acme\",\"expires_at\":\"+999999999-12-31T23:59:59Z\"}").post("/admin/v1/keys"),
                422, "schema_validation_failed", "expires_at");
        error(admin().body("{\"account\":\"acme\",\"name\":\"" + "n".repeat(257) + "\"}").post("/admin/v1/keys"), 422,
                "schema_validation_failed", "name");
        error(admin().body("{\"account\":\"acme\",\"name\":\"a\\u0000b\"}").post("/admin/v1/keys"), 422,
                "schema_validation_failed", "name");
        // a body larger than any admin call needs is refused in the envelope before it is read (it was a bare 413
        // from the REST layer past 10 MB)
        Response tooLarge = admin().body("{\"account\":\"acme\",\"name\":\"" + "n".repeat(70_000) + "\"}")
                .post("/admin/v1/keys");
        error(tooLarge, 413, "request_too_large", null);
        tooLarge.then().body("error.limit_bytes", equalTo(65536));
        // bytes that are not UTF-8 are no JSON (contract §12), not a name with a replacement character
        error(admin().body(notUtf8("{\"account\":\"ac\u00ffme\"}")).post("/admin/v1/keys"), 400, "invalid_json", null);
    }

    /** The text in ISO-8859-1: its {@code ÿ} is the byte 0xFF, which UTF-8 never holds. */
    static byte[] notUtf8(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    @Test
    void theFilesKeysAndAccountsAreReadOnly() {
        String fileKeyId = "key_" + sha256(ProxyProfile.KEY).substring(0, 12);
        admin().get("/admin/v1/keys/" + fileKeyId).then().statusCode(200).body("account", equalTo("acme"))
                .body("source", equalTo("file"));
        error(admin().delete("/admin/v1/keys/" + fileKeyId), 409, "conflict", null);
        assertThat(admin().get("/admin/v1/keys").jsonPath().getList("data.id")).doesNotContain(fileKeyId);
        error(admin().body("{\"concurrency\":1}").put("/admin/v1/accounts/acme"), 409, "conflict", null);
        error(admin().delete("/admin/v1/accounts/acme"), 409, "conflict", null);
        admin().get("/admin/v1/accounts/adminfile").then().statusCode(200).body("object", equalTo("account"))
                .body("account", equalTo("adminfile")).body("plan", equalTo("free")).body("source", equalTo("file"))
                .body("requests-per-window", equalTo(1000000)).body("usage.account", equalTo("adminfile"))
                .body("usage.quota.limit", equalTo(1000000));
        assertThat(chat(ProxyProfile.KEY)).isEqualTo(200);
    }

    @Test
    void aRuntimeAccountIsCreatedReplacedReadWithItsUsageAndDeletedWithItsKeys() {
        // given
        String name = "rt-" + System.nanoTime();
        admin().body("{\"plan\":\"free\",\"concurrency\":4,\"window\":\"2h\",\"rate\":100}").put("/admin/v1/accounts/" + name)
                .then().statusCode(200).body("object", equalTo("account")).body("account", equalTo(name))
                .body("plan", equalTo("free")).body("concurrency", equalTo(4)).body("window", equalTo("2h"))
                .body("rate", equalTo(100)).body("source", equalTo("runtime")).body("$", not(hasKey("burst")));
        String secret = createKey("{\"account\":\"" + name + "\"}").getString("key");

        // then its plan's quota (3 per window) and its own limits apply
        FixedWindows.awayFromTheEnd(Duration.ofHours(2), Duration.ofSeconds(30));
        for (int i = 0; i < 3; i++) {
            assertThat(chat(secret)).isEqualTo(200);
        }
        openai(secret).body(CHAT).post("/v1/chat/completions").then().statusCode(429)
                .body("error.code", equalTo("request_quota_exceeded")).body("error.plan_tier", equalTo("free"));
        admin().get("/admin/v1/accounts/" + name).then().statusCode(200).body("concurrency", equalTo(4))
                .body("usage.quota.used", equalTo(3)).body("usage.concurrency.limit", equalTo(4))
                .body("usage.plan_tier", equalTo("free"));

        // when replaced: the new limits apply to new requests
        admin().body("{\"requests-per-window\":10}").put("/admin/v1/accounts/" + name).then().statusCode(200)
                .body("$", not(hasKey("plan"))).body("requests-per-window", equalTo(10));
        assertThat(chat(secret)).isEqualTo(200);

        // when deleted: its keys go with it
        admin().delete("/admin/v1/accounts/" + name).then().statusCode(204);
        assertThat(chat(secret)).isEqualTo(401);
        assertThat(admin().queryParam("account", name).get("/admin/v1/keys").jsonPath().getList("data")).isEmpty();
        error(admin().get("/admin/v1/accounts/" + name), 404, "not_found", null);
        error(admin().delete("/admin/v1/accounts/" + name), 404, "not_found", null);
    }

    @Test
    void anAccountCreatedAgainAfterItsDeletionStartsWithAFreshQuota() {
        // given an account whose quota is used up
        String name = "again-" + System.nanoTime();
        String definition = "{\"requests-per-window\":2,\"window\":\"1h\"}";
        FixedWindows.awayFromTheEnd(Duration.ofHours(1), Duration.ofSeconds(30));
        admin().body(definition).put("/admin/v1/accounts/" + name).then().statusCode(200);
        String first = createKey("{\"account\":\"" + name + "\"}").getString("key");
        assertThat(chat(first)).isEqualTo(200);
        assertThat(chat(first)).isEqualTo(200);
        openai(first).body(CHAT).post("/v1/chat/completions").then().statusCode(429)
                .body("error.code", equalTo("request_quota_exceeded"));

        // when it is deleted and created again under its name
        admin().delete("/admin/v1/accounts/" + name).then().statusCode(204);
        admin().body(definition).put("/admin/v1/accounts/" + name).then().statusCode(200);
        String second = createKey("{\"account\":\"" + name + "\"}").getString("key");

        // then it is a new account: nothing used, its whole quota to spend
        admin().get("/admin/v1/accounts/" + name).then().statusCode(200).body("usage.quota.used", equalTo(0));
        assertThat(chat(second)).isEqualTo(200);
        assertThat(chat(second)).isEqualTo(200);
        openai(second).body(CHAT).post("/v1/chat/completions").then().statusCode(429)
                .body("error.code", equalTo("request_quota_exceeded"));
    }

    @Test
    void accountBodiesThatFailTheirSchemaAnswer422WithTheirParam() {
        error(admin().body("{\"plan\":\"gold\"}").put("/admin/v1/accounts/bad"), 422, "schema_validation_failed", "plan");
        error(admin().body("{\"concurrency\":-1}").put("/admin/v1/accounts/bad"), 422, "schema_validation_failed",
                "concurrency");
        error(admin().body("{\"concurrency\":1.5}").put("/admin/v1/accounts/bad"), 422, "schema_validation_failed",
                "concurrency");
        error(admin().body("{\"window\":\"soon\"}").put("/admin/v1/accounts/bad"), 422, "schema_validation_failed", "window");
        error(admin().body("{\"burst\":0.5}").put("/admin/v1/accounts/bad"), 422, "schema_validation_failed", "burst");
        error(admin().body("{\"credits\":5}").put("/admin/v1/accounts/bad"), 422, "schema_validation_failed", "credits");
        error(admin().urlEncodingEnabled(false).body("{}").put("/admin/v1/accounts/b%7Ba%7Dd"), 422, "schema_validation_failed", "account");
        error(admin().body("nope").put("/admin/v1/accounts/bad"), 400, "invalid_json", null);
        error(admin().body(notUtf8("{\"plan\":\"\u00ff\"}")).put("/admin/v1/accounts/bad"), 400, "invalid_json", null);
        // a whole number past any bound is said to be out of range, not "must be an integer"; null is JSON, not an object
        error(admin().body("{\"concurrency\":99999999999999999999}").put("/admin/v1/accounts/bad"), 422,
                "schema_validation_failed", "concurrency").body("error.message", equalTo("'concurrency' is out of range."));
        error(admin().body("null").put("/admin/v1/accounts/bad"), 422, "schema_validation_failed", null)
                .body("error.message", equalTo("The body must be a JSON object."));
        // values past what the counters and headers can hold (they answered 500, or overflowed in the headers)
        for (String window : List.of("99999999999999999d", "9999999999999h", "3651d")) {
            error(admin().body("{\"window\":\"" + window + "\"}").put("/admin/v1/accounts/bad"), 422,
                    "schema_validation_failed", "window");
        }
        error(admin().body("{\"rate\":1e300}").put("/admin/v1/accounts/bad"), 422, "schema_validation_failed", "rate");
        // so slow that its interval overflowed the rate-limit headers (RateLimit: "rate";r=0;t=-9223372036854774)
        error(admin().body("{\"rate\":1e-300,\"burst\":1}").put("/admin/v1/accounts/bad"), 422,
                "schema_validation_failed", "rate");
        error(admin().body("{\"rate\":1,\"burst\":1e300}").put("/admin/v1/accounts/bad"), 422, "schema_validation_failed",
                "burst");
        error(admin().get("/admin/v1/accounts/bad"), 404, "not_found", null);
    }

    @Test
    void creditsAreAddedAndTakenAtomicallyAndNeverBelowZeroByHand() {
        // given an account without a balance
        String name = "cr-" + System.nanoTime();
        admin().body("{}").put("/admin/v1/accounts/" + name).then().statusCode(200);
        String secret = createKey("{\"account\":\"" + name + "\"}").getString("key");
        assertThat(openai(secret).body(PRICED).post("/v1/chat/completions").statusCode()).isEqualTo(200);

        // when it is given credits, it has a balance and pays for its requests from then on
        admin().body("{\"amount\":0.02}").post("/admin/v1/accounts/" + name + "/credits").then().statusCode(200)
                .body("account", equalTo(name)).body("credits.available", equalTo(0.02f));
        openai(secret).body(PRICED).post("/v1/chat/completions").then().statusCode(200);
        double left = admin().get("/admin/v1/accounts/" + name).jsonPath().getDouble("usage.credits.available");
        assertThat(left).isEqualTo(0.02 - 0.012, org.assertj.core.data.Offset.offset(1e-9)); // 12 tokens at 1 per 1k

        // a deduction past zero is refused and changes nothing; one within it is applied
        error(admin().body("{\"amount\":-1}").post("/admin/v1/accounts/" + name + "/credits"), 422,
                "schema_validation_failed", "amount");
        admin().body("{\"amount\":-0.008}").post("/admin/v1/accounts/" + name + "/credits").then().statusCode(200)
                .body("credits.available", equalTo(0.0f));
        openai(secret).body(PRICED).post("/v1/chat/completions").then().statusCode(402)
                .body("error.code", equalTo("insufficient_credits"));

        // credits may be added to an account of the file too
        admin().body("{\"amount\":1}").post("/admin/v1/accounts/adminfile/credits").then().statusCode(200)
                .body("credits.available", org.hamcrest.Matchers.greaterThanOrEqualTo(1.0f));
        error(admin().body("{\"amount\":1}").post("/admin/v1/accounts/nobody/credits"), 404, "not_found", null);
        error(admin().body("{}").post("/admin/v1/accounts/adminfile/credits"), 422, "schema_validation_failed", "amount");
        error(admin().body("{\"amount\":\"5\"}").post("/admin/v1/accounts/adminfile/credits"), 422,
                "schema_validation_failed", "amount");
        // an amount of nothing (or less than a micro-credit) is refused: it would meter an account that has no balance
        String unmetered = "cr0-" + System.nanoTime();
        admin().body("{}").put("/admin/v1/accounts/" + unmetered).then().statusCode(200);
        error(admin().body("{\"amount\":0}").post("/admin/v1/accounts/" + unmetered + "/credits"), 422,
                "schema_validation_failed", "amount");
        error(admin().body("{\"amount\":0.0000001}").post("/admin/v1/accounts/" + unmetered + "/credits"), 422,
                "schema_validation_failed", "amount");
        String unmeteredKey = createKey("{\"account\":\"" + unmetered + "\"}").getString("key");
        assertThat(openai(unmeteredKey).body(PRICED).post("/v1/chat/completions").statusCode()).isEqualTo(200);
    }

    @Test
    void aBalanceStaysWithinATrillionCreditsWhateverTheAmounts() {
        // given a runtime account with a balance
        String name = "bounds-" + System.nanoTime();
        admin().body("{}").put("/admin/v1/accounts/" + name).then().statusCode(200);
        admin().body("{\"amount\":5}").post("/admin/v1/accounts/" + name + "/credits").then().statusCode(200);
        // large amounts within the bounds are taken as they are (Redis' INCRBY was sent 1e+17 for 1e11)
        admin().body("{\"amount\":100000000000}").post("/admin/v1/accounts/" + name + "/credits").then().statusCode(200)
                .body("credits.available", equalTo(1.00000000005e11f));
        admin().body("{\"amount\":-100000000000}").post("/admin/v1/accounts/" + name + "/credits").then().statusCode(200)
                .body("credits.available", equalTo(5.0f));

        // amounts no balance can take are refused as such, in either direction
        for (String amount : new String[] {"1e308", "-1e308", "1000000000001", "-1000000000001"}) {
            error(admin().body("{\"amount\":" + amount + "}").post("/admin/v1/accounts/" + name + "/credits"), 422,
                    "schema_validation_failed", "amount");
        }
        // the largest balance is reached, then nothing more is added; the largest deduction takes it back
        admin().body("{\"amount\":-5}").post("/admin/v1/accounts/" + name + "/credits").then().statusCode(200)
                .body("credits.available", equalTo(0.0f));
        admin().body("{\"amount\":1000000000000}").post("/admin/v1/accounts/" + name + "/credits").then().statusCode(200)
                .body("credits.available", equalTo(1.0e12f));
        error(admin().body("{\"amount\":0.01}").post("/admin/v1/accounts/" + name + "/credits"), 422,
                "schema_validation_failed", "amount");
        admin().body("{\"amount\":-1000000000000}").post("/admin/v1/accounts/" + name + "/credits").then().statusCode(200)
                .body("credits.available", equalTo(0.0f));
        assertThat(admin().get("/admin/v1/accounts/" + name).jsonPath().getDouble("usage.credits.available"))
                .isEqualTo(0.0);
    }

    @Test
    void aTopUpIsAtomicWithTheReservationOfARequestInFlight() throws Exception {
        // given an account with 1 credit, and a request under way that reserved its estimate (11 tokens: 0.011)
        String name = "atomic-" + System.nanoTime();
        admin().body("{}").put("/admin/v1/accounts/" + name).then().statusCode(200);
        String secret = createKey("{\"account\":\"" + name + "\"}").getString("key");
        admin().body("{\"amount\":1}").post("/admin/v1/accounts/" + name + "/credits").then().statusCode(200);
        backends.get("l").reply(dev.sluice.testing.Replies.delayed(1500,
                dev.sluice.testing.Replies.json(200, dev.sluice.testing.Replies.CHAT_COMPLETION)));
        java.util.concurrent.CompletableFuture<Integer> inFlight = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> openai(secret).body(PRICED).post("/v1/chat/completions").statusCode());
        Thread.sleep(500);

        // when credits are added meanwhile, the reservation is neither lost nor counted twice
        float during = admin().body("{\"amount\":1}").post("/admin/v1/accounts/" + name + "/credits").then()
                .statusCode(200).extract().jsonPath().getFloat("credits.available");
        assertThat((double) during).isEqualTo(2 - 0.011, org.assertj.core.data.Offset.offset(1e-6));

        // then the request settles to its real cost (12 tokens: 0.012) on top of the added credits
        assertThat(inFlight.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(200);
        Thread.sleep(200);
        double after = admin().get("/admin/v1/accounts/" + name).jsonPath().getDouble("usage.credits.available");
        assertThat(after).isEqualTo(2 - 0.012, org.assertj.core.data.Offset.offset(1e-6));
    }

    @Test
    void everyAnswerIsCountedByOperationAndStatus() {
        admin().get("/admin/v1/keys").then().statusCode(200);
        given().get("/admin/v1/keys").then().statusCode(401);
        Scrape scrape = Scrape.now();
        assertThat(scrape.value("sluice_admin_requests_total", "operation", "list_keys", "status", "200")).isGreaterThan(0);
        assertThat(scrape.value("sluice_admin_requests_total", "operation", "list_keys", "status", "401")).isGreaterThan(0);
        assertThat(scrape.has("sluice_config_reloads_total", "result", "rejected")).isTrue();
    }

    @Test
    void theOpenApiDocumentDescribesEveryCall() {
        JsonPath document = Management.given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .extract().jsonPath();
        assertThat(document.getMap("paths.'/admin/v1/keys'")).containsKeys("post", "get");
        assertThat(document.getMap("paths.'/admin/v1/keys/{id}'")).containsKeys("get", "delete");
        assertThat(document.getMap("paths.'/admin/v1/accounts/{name}'")).containsKeys("put", "get", "delete");
        assertThat(document.getMap("paths.'/admin/v1/accounts/{name}/credits'")).containsKeys("post");
        assertThat(document.getMap("paths")).doesNotContainKey("/v1/chat/completions");
    }

    @Test
    void theOpenApiDocumentIsTheFileAsYamlByDefaultAndAsJsonWhenAskedFor() throws Exception {
        String file;
        try (var in = getClass().getClassLoader().getResourceAsStream("META-INF/openapi.yaml")) {
            file = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        String yaml = "application/yaml;charset=UTF-8";
        // YAML: the file itself
        Management.given().get("/q/openapi").then().statusCode(200).header("content-type", yaml).body(equalTo(file));
        Management.given().get("/q/openapi.yaml").then().statusCode(200).header("content-type", yaml);
        Management.given().accept("application/json").queryParam("format", "yaml").get("/q/openapi").then()
                .statusCode(200).header("content-type", yaml);
        // JSON, three ways of asking
        List<Response> asJson = List.of(Management.given().queryParam("format", "JSON").get("/q/openapi"),
                Management.given().accept("application/json").get("/q/openapi"),
                Management.given().get("/q/openapi.json"));
        for (Response answer : asJson) {
            JsonPath json = answer.then().statusCode(200).header("content-type", "application/json;charset=UTF-8")
                    .extract().jsonPath();
            assertThat(json.getString("openapi")).isEqualTo("3.0.3");
            assertThat(json.getString("info.title")).isEqualTo("Sluice admin API");
            // a date in an example stays the string it is written as
            assertThat(json.getString("paths.'/admin/v1/keys'.post.requestBody.content.'application/json'.example.expires_at"))
                    .isEqualTo("2027-01-01T00:00:00Z");
        }
        // HEAD answers too; other methods are not served
        Management.given().head("/q/openapi").then().statusCode(200).header("content-type", yaml);
        Management.given().post("/q/openapi").then().statusCode(not(200));
    }

    @Test
    void everyCallLeavesOneLineOnTheTrailNamingTheAdminKeyByItsHashNeverASecret() throws InterruptedException {
        String name = "trail-" + System.nanoTime();
        String adminKey = "admin_key=" + sha256(ProxyProfile.ADMIN_KEY).substring(0, 8);
        try (ErrorLog log = ErrorLog.infos()) {
            Response put = admin().body("{}").put("/admin/v1/accounts/" + name);
            put.then().statusCode(200);
            Response created = admin().body("{\"account\":\"" + name + "\"}").post("/admin/v1/keys");
            created.then().statusCode(201);
            String id = created.jsonPath().getString("id");
            String secret = created.jsonPath().getString("key");
            Response credited = admin().body("{\"amount\":2.5}").post("/admin/v1/accounts/" + name + "/credits");
            credited.then().statusCode(200);
            Response refused = admin().body("{\"amount\":\"lots\"}").post("/admin/v1/accounts/" + name + "/credits");
            refused.then().statusCode(422);
            Response stranger = given().header("authorization", "Bearer " + secret).delete("/admin/v1/keys/" + id);
            stranger.then().statusCode(403);
            Response deleted = admin().delete("/admin/v1/keys/" + id);
            deleted.then().statusCode(204);

            assertThat(trailLine(log, put)).matches(line(put, "PUT /admin/v1/accounts/" + name + " operation=put_account "
                    + adminKey + " status=200 code=ok", ""));
            assertThat(trailLine(log, created)).matches(line(created, "POST /admin/v1/keys operation=create_key "
                    + adminKey + " status=201 code=ok", " key_id=" + id + " account=" + name));
            assertThat(trailLine(log, credited)).matches(line(credited, "POST /admin/v1/accounts/" + name
                    + "/credits operation=add_credits " + adminKey + " status=200 code=ok", " amount=2.5 credits_available=2.5"));
            assertThat(trailLine(log, refused)).matches(line(refused, "POST /admin/v1/accounts/" + name
                    + "/credits operation=add_credits " + adminKey + " status=422 code=schema_validation_failed", ""));
            assertThat(trailLine(log, stranger)).matches(line(stranger, "DELETE /admin/v1/keys/" + id
                    + " operation=delete_key admin_key=- status=403 code=http_403", ""));
            assertThat(trailLine(log, deleted)).matches(line(deleted, "DELETE /admin/v1/keys/" + id
                    + " operation=delete_key " + adminKey + " status=204 code=ok", ""));
            assertThat(log.lines()).noneMatch(each -> each.contains(secret) || each.contains(ProxyProfile.ADMIN_KEY));
        }
    }

    /** The trail's line for {@code response}, waited for: it is written once the answer has ended. */
    private static String trailLine(ErrorLog log, Response response) throws InterruptedException {
        String requestId = "request_id=" + response.header("x-request-id") + " ";
        for (int i = 0; i < 200; i++) {
            List<String> lines = log.lines().stream().filter(each -> each.contains(requestId)).toList();
            if (!lines.isEmpty()) {
                assertThat(lines).hasSize(1);
                return lines.get(0);
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no line on the trail for " + requestId);
    }

    /** The pattern of a trail line: {@code "METHOD PATH rest"}, any duration, then {@code details}. */
    private static String line(Response response, String methodPathAndRest, String details) {
        int space = methodPathAndRest.indexOf(' ');
        int second = methodPathAndRest.indexOf(' ', space + 1);
        return java.util.regex.Pattern.quote("sluice.admin: request_id=" + response.header("x-request-id")
                + " method=" + methodPathAndRest.substring(0, space) + " path=" + methodPathAndRest.substring(space + 1, second)
                + methodPathAndRest.substring(second)) + " duration_ms=[0-9]+\\.[0-9]{3}" + java.util.regex.Pattern.quote(details);
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}
