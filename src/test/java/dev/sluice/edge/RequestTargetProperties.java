package dev.sluice.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URISyntaxException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The decoder's check of a request target agrees with {@link URI}'s parse, which Quarkus applies after it: a target
 * the decoder lets through never meets Quarkus' bare 400, and of the origin-form targets of printable ASCII without a
 * fragment (what the decoder allows beyond the parse), one it refuses is one Quarkus would have refused.
 */
class RequestTargetProperties {

    @Property(tries = 3000)
    void theCheckAgreesWithJavaNetUri(@ForAll("targets") String target) {
        boolean valid = StrictRequestDecoder.validTarget(target);
        if (valid) {
            assertThat(parses(target)).as(target).isTrue();
        }
        if (target.startsWith("/") && target.chars().allMatch(c -> c > ' ' && c < 0x7F && c != '#')) {
            assertThat(valid).as(target).isEqualTo(parses(target));
        }
    }

    @Example
    void plainTargetsAndWellFormedEscapesAreValidAndBrokenEscapesAreNot() {
        assertThat(StrictRequestDecoder.validTarget("/v1/chat/completions")).isTrue();
        assertThat(StrictRequestDecoder.validTarget("/v1/models?x=%C3%A9&y=1")).isTrue();
        assertThat(StrictRequestDecoder.validTarget("/v1/chat/completions?x=%ZZ")).isFalse();
        assertThat(StrictRequestDecoder.validTarget("/v1/chat/completions?x=%4")).isFalse();
        assertThat(StrictRequestDecoder.validTarget("/v1/chat/completions?q=a|b")).isFalse();
        assertThat(StrictRequestDecoder.validTarget("/v1/a b")).isFalse();
        // "//" starts an authority, which URI wants non-empty
        assertThat(StrictRequestDecoder.validTarget("//")).isFalse();
        // what URI takes but a request target never is
        assertThat(StrictRequestDecoder.validTarget("/v1/models?\u00e9=1")).isFalse();
        assertThat(StrictRequestDecoder.validTarget("/v1/models#top")).isFalse();
        assertThat(StrictRequestDecoder.validTarget("*")).isFalse();
        assertThat(StrictRequestDecoder.validTarget("v1/models")).isFalse();
        assertThat(StrictRequestDecoder.validTarget("http://sluice/v1/models")).isTrue();
    }

    @Provide
    Arbitrary<String> targets() {
        // mostly the characters of real targets, with the ones URI refuses or treats specially mixed in
        Arbitrary<String> tail = Arbitraries.strings()
                .withChars("abcXYZ019-._~!$&'()*+,;=:@/?%")
                .withChars("ABCDEFabcdef0123456789%%%")
                .withChars(" \"<>\\^`{|}[]#\u00e9\u0007")
                .ofMinLength(0).ofMaxLength(40);
        return Arbitraries.oneOf(tail.map(rest -> "/" + rest), tail);
    }

    private static boolean parses(String target) {
        try {
            new URI(target);
            return true;
        } catch (URISyntaxException e) {
            return false;
        }
    }
}
