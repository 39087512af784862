package dev.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.error.Origin;
import dev.sluice.upstream.Attempt;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which ended requests reached no backend, and so are taken back out of their account's quota window. */
class OutcomeTest {

    private static final Attempt UNSENT = new Attempt("a", "m", "cancelled", null, 5, true);
    private static final Attempt SENT = new Attempt("a", "m", "cancelled", null, 5, false);
    private static final Attempt REFUSED = new Attempt("a", "m", "backend_connect_error", null, 1, true);
    private static final Attempt TIMED_OUT = new Attempt("a", "m", "backend_timeout", null, 60_000, false);

    private static Outcome failed(int status, String code, String backend, List<Attempt> attempts) {
        return new Outcome(status, code, Origin.ROUTER, null, backend, attempts, 0, false, false);
    }

    @Test
    void aClientThatLeftBeforeItsRequestWasSentReachedNoBackend() {
        assertThat(failed(499, "client_closed", null, List.of()).reachedNoBackend()).isTrue();
        assertThat(failed(499, "client_closed", null, List.of(UNSENT)).reachedNoBackend()).isTrue();
        assertThat(failed(499, "client_closed", null, List.of(REFUSED, UNSENT)).reachedNoBackend()).isTrue();
    }

    @Test
    void aClientThatLeftAfterABackendGotItsRequestCounts() {
        assertThat(failed(499, "client_closed", null, List.of(SENT)).reachedNoBackend()).isFalse();
        assertThat(failed(499, "client_closed", null, List.of(TIMED_OUT, UNSENT)).reachedNoBackend()).isFalse();
        // a backend answered, the client left before the relay began
        assertThat(failed(499, "client_closed", "a", List.of()).reachedNoBackend()).isFalse();
    }

    @Test
    void failuresWithoutABackendTakingTheRequestAreTakenBackAndOthersAreNot() {
        assertThat(failed(502, "backend_connect_error", null, List.of(REFUSED)).reachedNoBackend()).isTrue();
        assertThat(failed(503, "no_healthy_backends", null, List.of()).reachedNoBackend()).isTrue();
        assertThat(failed(504, "backend_timeout", null, List.of(TIMED_OUT)).reachedNoBackend()).isFalse();
        assertThat(new Outcome(200, "ok", Origin.PROVIDER, null, "a", List.of(), 0, true, false).reachedNoBackend())
                .isFalse();
    }
}
