package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class StrictBooleanConverterTest {

    private final StrictBooleanConverter converter = new StrictBooleanConverter();

    @Test
    void readsWhatTheLibraryReadsAsTrueAndTheirOpposites() {
        for (String yes : new String[] {"true", "TRUE", "True", "1", "yes", "Y", "on", " true "}) {
            assertThat(converter.convert(yes)).as(yes).isTrue();
        }
        for (String no : new String[] {"false", "FALSE", "0", "no", "N", "off", "Off"}) {
            assertThat(converter.convert(no)).as(no).isFalse();
        }
    }

    @Test
    void anEmptyValueIsNoValue() {
        assertThat(converter.convert("")).isNull();
        assertThat(converter.convert("  ")).isNull();
    }

    @Test
    void refusesAnythingElseRatherThanReadItAsFalse() {
        for (String typo : new String[] {"ture", "flase", "yes-please", "enabled", "2"}) {
            assertThatThrownBy(() -> converter.convert(typo)).as(typo).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("Expected true or false, got \"" + typo + "\"");
        }
    }
}
