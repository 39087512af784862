package dev.sluice.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RequestIdsTest {

    @Test
    void generatesDistinctIdsOfTheContractsForm() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String id = RequestIds.generate();
            assertThat(id).matches("^req_[0-9a-f]{12}$");
            seen.add(id);
        }
        assertThat(seen).hasSize(10_000);
    }

    @Test
    void resolvesClientValuesAsTheContractSays() {
        assertThat(RequestIds.resolve(List.of("req_abcdefabcdef", "other"))).isEqualTo("req_abcdefabcdef");
        assertThat(RequestIds.resolve(List.of("x"))).isEqualTo("client_x");
        assertThat(RequestIds.resolve("tab\there")).matches("^req_[0-9a-f]{12}$");
        assertThat(RequestIds.resolve("\u007f")).matches("^req_[0-9a-f]{12}$");
        assertThat(RequestIds.resolve(List.of())).matches("^req_[0-9a-f]{12}$");
    }
}
