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

    @Test
    void everyRequestOfAConcurrentLoadHasOneWholeLineAndTheLastAreWrittenBeforeExit() throws Exception {
        SluiceProcess sluice = SluiceProcess.start("access-log", """
                sluice:
                  accounts:
                    acme: {}
                  keys:
                    - {key: sk-acme, account: acme}
                  models:
                    chat:
                      backends:
                        - {name: al, url: "%s"}
                """.formatted("http://127.0.0.1:" + backends.get("al").port()), Map.of());
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
}
