package dev.sluice.config;

import jakarta.annotation.Priority;
import java.util.Locale;
import java.util.Set;
import org.eclipse.microprofile.config.spi.Converter;

/**
 * Reads a boolean setting strictly: the words the configuration library reads as true, and their opposites as false;
 * anything else is refused, naming its key path, as a wrong number is. The library reads every other word as false
 * with a warning that names no key, so that {@code validation: {enabled: ture}} turned request validation off and
 * {@code tls: {insecure: yes-please}} left it on — at start-up and on reload alike.
 *
 * <p>Registered as a service with a priority above the library's own boolean converter (100 and below), so it is the
 * one used for every boolean setting.
 */
@Priority(200)
public class StrictBooleanConverter implements Converter<Boolean> {

    /** What SmallRye Config reads as true. */
    private static final Set<String> TRUE = Set.of("true", "1", "yes", "y", "on", "ja", "j", "si", "sim", "oui");
    /** Their opposites. */
    private static final Set<String> FALSE = Set.of("false", "0", "no", "n", "off", "nein", "nao", "non");

    @Override
    public Boolean convert(String value) {
        String word = value.strip().toLowerCase(Locale.ROOT);
        if (word.isEmpty()) {
            return null; // empty: the setting's default, as the library reads it
        }
        if (TRUE.contains(word)) {
            return Boolean.TRUE;
        }
        if (FALSE.contains(word)) {
            return Boolean.FALSE;
        }
        throw new IllegalArgumentException("Expected true or false, got \"" + value + "\"");
    }
}
