package dev.sluice.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.Api;
import dev.sluice.testing.Backends;
import dev.sluice.testing.SluiceProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The access log of the packaged proxy with its shipped logging set-up (lines written by the access log's own
 * thread, in batches, on standard output beside the other log lines): one whole line per request under concurrent
 * load, none lost, the last ones written before the process exits.
 */
class AccessLogIT {

    static final String CHAT = Api.chat("chat");
    static final Pattern LINE = Pattern.compile("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  \\[sl\\.access\\] request_id=req_\\w+ "
            + "method=POST path=/v1/chat/completions account=(acme|-) model=(chat|-) backend=(al|-) status=(200|401) "
            + "code=(ok|http_401) origin=(provider|router) attempts=- duration_ms=\\d+\\.\\d{3} "
            + "upstream_ms=\\d+\\.\\d{3} bytes_in=\\d+ bytes_out=\\d+ stream=false");

    static Backends backends;

    @BeforeAll
    static void start() {
        backends = Backends.start("al");
    }

    @AfterAll
    static void stop() {
        backends.close();
    }

    /** Account acme, its key sk-acme, and model chat on the backend al. */
    static String acmeOnTheBackend() {
        return """
                sluice:
                  accounts:
                    acme: {}
                  keys:
                    - {key: sk-acme, account: acme}
                  models:
                    chat:
                      backends:
                        - {name: al, url: "%s"}
                """.formatted("http://127.0.0.1:" + backends.get("al").port());
    }

    @Test
    void everyRequestOfAConcurrentLoadHasOneWholeLineAndTheLastAreWrittenBeforeExit() throws Exception {
        SluiceProcess sluice = SluiceProcess.start("access-log", acmeOnTheBackend(), Map.of());
        try {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            int requests = 3_000;
            Semaphore window = new Semaphore(32);
            List<CompletableFuture<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                window.acquire();
                // one request in ten with a wrong key: refused lines are written too
                String key = i % 10 == 0 ? "sk-wrong" : "sk-acme";
                HttpRequest request = HttpRequest.newBuilder(URI.create(sluice.url("/v1/chat/completions")))
                        .header("authorization", "Bearer " + key).header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(CHAT)).build();
                answers.add(client.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                        .thenApply(HttpResponse::statusCode).whenComplete((status, failure) -> window.release()));
            }
            long ok = 0;
            for (CompletableFuture<Integer> answer : answers) {
                if (answer.get(30, TimeUnit.SECONDS) == 200) {
                    ok++;
                }
            }
            assertThat(ok).isEqualTo(requests - requests / 10);

            // the lines still queued when the process is told to stop are written before it exits
            sluice.terminate();
            assertThat(sluice.awaitExit(20)).isTrue();
            List<String> lines = sluice.logText().lines().filter(line -> line.contains("[sl.access]")).toList();
            assertThat(lines).hasSize(requests);
            assertThat(lines).allMatch(line -> LINE.matcher(line).matches(), "every line whole and well-formed");
            assertThat(lines.stream().filter(line -> line.contains(" status=401 "))).hasSize(requests / 10);
            assertThat(lines.stream().map(line -> line.substring(line.indexOf("request_id="), line.indexOf(" method=")))
                    .distinct()).hasSize(requests);
        } finally {
            sluice.kill();
        }
    }

    @Test
    void aBackendsOwnErrorNamesTheBackendThatAnsweredIt() throws Exception {
        backends.get("al").reply(dev.sluice.testing.Replies.json(400,
                "{\"error\":{\"message\":\"no\",\"type\":\"invalid_request_error\",\"code\":\"bad_thing\"}}"));
        SluiceProcess sluice = SluiceProcess.start("access-log-provider", acmeOnTheBackend(), Map.of());
        try {
            HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create(sluice.url("/v1/chat/completions")))
                    .header("authorization", "Bearer sk-acme").header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(CHAT)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).isEqualTo(400);

            sluice.terminate();
            assertThat(sluice.awaitExit(20)).isTrue();
            List<String> lines = sluice.logText().lines().filter(line -> line.contains("[sl.access]")).toList();
            assertThat(lines).hasSize(1);
            assertThat(lines.get(0)).contains("account=acme model=chat backend=al status=400 code=bad_thing "
                    + "origin=provider attempts=-");
        } finally {
            sluice.kill();
            backends.resetAll();
        }
    }

    @Test
    void requestsTheGuardRefusesAtTheirHeadAreLoggedAndCounted() throws Exception {
        SluiceProcess sluice = SluiceProcess.start("access-log-refused", """
                sluice:
                  models:
                    chat:
                      backends:
                        - {name: al, url: "%s"}
                """.formatted("http://127.0.0.1:" + backends.get("al").port()), Map.of());
        try {
            // a smuggling attempt, a header block too large, a request line too long
            String[] heads = {
                "POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-request-id: smuggle-1\r\nContent-Length: 5\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nx-big: " + "b".repeat(30_000) + "\r\n\r\n",
                "GET /v1/models?" + "q".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n"};
            int[] statuses = {400, 431, 414};
            for (int i = 0; i < heads.length; i++) {
                try (dev.sluice.testing.RawHttp client = dev.sluice.testing.RawHttp.connect(sluice.port())) {
                    assertThat(client.send(heads[i]).read().status()).isEqualTo(statuses[i]);
                }
            }
            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + sluice.managementPort() + "/q/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();

            sluice.terminate();
            assertThat(sluice.awaitExit(20)).isTrue();
            List<String> lines = sluice.logText().lines().filter(line -> line.contains("[sl.access]")).toList();
            assertThat(lines).hasSize(3);
            assertThat(lines.get(0)).contains("request_id=client_smuggle-1 method=POST path=/v1/messages account=- "
                    + "model=- backend=- status=400 code=bad_request origin=router");
            assertThat(lines.get(1)).contains("method=POST path=/v1/chat/completions", "status=431",
                    "code=request_header_fields_too_large");
            assertThat(lines.get(2)).contains("method=- path=- ", "status=414", "code=uri_too_long");
            assertThat(metrics).containsPattern("sluice_requests_total\\{[^}]*code=\"bad_request\"[^}]*} 1\\.0")
                    .containsPattern("sluice_requests_total\\{[^}]*code=\"uri_too_long\"[^}]*} 1\\.0");
        } finally {
            sluice.kill();
        }
    }
}
