package dev.sluice.wire;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * {@link ContentCodings#readable} reads the client's {@code accept-encoding} by index, without splitting it; it answers
 * as the plain reading by {@code split(",")} and {@code trim()} below does, for any list of codings, parameters,
 * empty elements and spaces.
 */
class ContentCodingsProperties {

    @Property(tries = 3000)
    void readsEveryListAsSplittingItWould(@ForAll("acceptEncodings") String value) {
        String readable = ContentCodings.readable(value);
        assertThat(readable).as(value).isEqualTo(bySplitting(value));
        if (readable != null && readable.equals(value)) {
            // a value kept whole is the client's own string, not a copy
            assertThat(readable).isSameAs(value);
        }
    }

    @Provide
    Arbitrary<String> acceptEncodings() {
        Arbitrary<String> name = Arbitraries.of("gzip", "GZIP", "x-gzip", "deflate", "Deflate", "identity", "br",
                "zstd", "*", "", "gzipx", "compress");
        Arbitrary<String> parameter = Arbitraries.of("", ";q=0.8", ";q=0", " ;q=1.0", "; q=0.5");
        Arbitrary<String> space = Arbitraries.of("", "", " ", "  ", "\t");
        Arbitrary<String> element = Combinators.combine(space, name, parameter, space)
                .as((before, coding, params, after) -> before + coding + params + after);
        return element.list().ofMinSize(0).ofMaxSize(5).map(elements -> String.join(",", elements));
    }

    /** The reading by splitting, as the proxy first wrote it. */
    private static String bySplitting(String acceptEncoding) {
        StringBuilder kept = new StringBuilder();
        boolean leftOut = false;
        boolean coding = false;
        for (String element : acceptEncoding.split(",")) {
            String item = element.trim();
            if (item.isEmpty()) {
                continue;
            }
            int semicolon = item.indexOf(';');
            String name = (semicolon < 0 ? item : item.substring(0, semicolon)).trim();
            boolean decodable = name.equalsIgnoreCase("gzip") || name.equalsIgnoreCase("x-gzip")
                    || name.equalsIgnoreCase("deflate");
            if (decodable || name.equalsIgnoreCase("identity")) {
                coding |= decodable;
                kept.append(kept.isEmpty() ? "" : ", ").append(item);
            } else {
                leftOut = true;
            }
        }
        if (!coding) {
            return null;
        }
        return leftOut ? kept.toString() : acceptEncoding;
    }
}
