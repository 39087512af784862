package dev.sluice.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LoggedLineTest {

    /** Keeps the last message logged at INFO and the MDC as it was then. */
    static final class Capturing extends Logger {
        String message;
        Map<String, Object> mdc;

        Capturing() {
            super("sluice.access");
        }

        @Override
        protected void doLog(Level level, String loggerClassName, Object message, Object[] parameters, Throwable thrown) {
            this.message = level + " " + message;
            this.mdc = new HashMap<>(MDC.getMap());
        }

        @Override
        protected void doLogf(Level level, String loggerClassName, String format, Object[] parameters, Throwable thrown) {
            throw new AssertionError("the line is logged as it is, not formatted");
        }

        @Override
        public boolean isEnabled(Level level) {
            return true;
        }
    }

    @AfterEach
    void clear() {
        MDC.clear();
    }

    @Test
    void withJsonLogsEachFieldIsInTheMdcWhileTheLineIsLoggedAndOnlyThen() {
        Capturing logger = new Capturing();
        new LoggedLine(true).text("request_id", "req_1").number("status", 429).millis("duration_ms", 1_500)
                .flag("stream", true).logTo(logger);
        assertThat(logger.message).isEqualTo("INFO request_id=req_1 status=429 duration_ms=1.500 stream=true");
        assertThat(logger.mdc).containsExactlyInAnyOrderEntriesOf(
                Map.of("request_id", "req_1", "status", "429", "duration_ms", "1.500", "stream", "true"));
        assertThat(MDC.getMap()).isEmpty();
    }

    @Test
    void withPlainLogsTheMdcIsLeftAlone() {
        Capturing logger = new Capturing();
        new LoggedLine(false).text("request_id", "req_2").number("status", 200).logTo(logger);
        assertThat(logger.message).isEqualTo("INFO request_id=req_2 status=200");
        assertThat(logger.mdc).isEmpty();
    }
}
