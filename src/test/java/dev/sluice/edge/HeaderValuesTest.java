package dev.sluice.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

class HeaderValuesTest {

    @Test
    void namesTheFirstHeaderWhoseValueHoldsCrLfOrNul() {
        for (String bad : new String[] {"a\r\nx-injected: yes", "a\nb", "a\rb", "a\u0000b"}) {
            MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("authorization", "Bearer k").add("x-foo", bad);
            assertThat(HeaderValues.forbidden(headers)).as(bad).isEqualTo("x-foo");
        }
    }

    @Test
    void tabsSpacesAndOtherTextPass() {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("x-a", "a\tb c").add("x-b", "é ü ✓").add("x-c", "");
        assertThat(HeaderValues.forbidden(headers)).isNull();
    }
}
