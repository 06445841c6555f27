package io.cairn.prism.gateway.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.prism.api.ApiException;

class ListingTest {

    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode entities() throws Exception {
        return JSON.readTree("""
                {"entities": [{"metadata":{"uuid":"a"},"spec":{"name":"v1","container":"c1"},"status":{"owner":"n1"}},
                 {"metadata":{"uuid":"b"},"spec":{"name":"v2","container":"c1"},"status":{"owner":"n2"}},
                 {"metadata":{"uuid":"c"},"spec":{"name":"v3","container":"c2"},"status":{"owner":null}}]}""");
    }

    @Test
    void givenAFilterWithTwoConditions_whenPaged_thenOnlyEntitiesMeetingBothAreCountedAndReturned() throws Exception {
        JsonNode out = Listing.page("vdisk", entities(), Optional.empty(), Optional.empty(), Optional.of("spec.container==c1;status.owner!=n1"));
        assertThat(out.path("metadata").path("total").asInt()).isEqualTo(1);
        assertThat(out.path("metadata").path("kind").asText()).isEqualTo("vdisk_list");
        assertThat(out.path("entities").get(0).path("metadata").path("uuid").asText()).isEqualTo("b");
    }

    @Test
    void givenOffsetAndLimit_whenPaged_thenTheTotalIsEveryMatchAndThePageIsTheSlice() throws Exception {
        JsonNode out = Listing.page("vdisk", entities(), Optional.of("1"), Optional.of("1"), Optional.empty());
        assertThat(out.path("metadata").path("total").asInt()).isEqualTo(3);
        assertThat(out.path("entities")).hasSize(1);
        assertThat(out.path("entities").get(0).path("metadata").path("uuid").asText()).isEqualTo("b");
        assertThat(Listing.page("vdisk", entities(), Optional.of("5"), Optional.empty(), Optional.empty()).path("entities")).isEmpty();
    }

    @Test
    void givenANullField_whenFilteredForInequality_thenItMatches() throws Exception {
        assertThat(Listing.page("vdisk", entities(), Optional.empty(), Optional.empty(), Optional.of("status.owner!=n1"))
                .path("metadata").path("total").asInt()).isEqualTo(2);
    }

    @Test
    void givenHandlerMetadata_whenPaged_thenItsOwnFieldsAreKeptAndThePagingFieldsWin() throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode result = (com.fasterxml.jackson.databind.node.ObjectNode) entities();
        result.putObject("metadata").put("truncated", true).put("total", 99).putArray("unreachable_nodes").add("n3");
        JsonNode m = Listing.page("audit", result, Optional.empty(), Optional.empty(), Optional.empty()).path("metadata");
        assertThat(m.path("truncated").asBoolean()).isTrue();
        assertThat(m.path("unreachable_nodes").get(0).asText()).isEqualTo("n3");
        assertThat(m.path("total").asInt()).isEqualTo(3);
        assertThat(m.path("kind").asText()).isEqualTo("audit_list");
    }

    @Test
    void givenBadPagingOrFilters_whenPaged_thenA400SaysWhatToFix() {
        assertThatThrownBy(() -> Listing.page("vdisk", entities(), Optional.of("-1"), Optional.empty(), Optional.empty()))
                .isInstanceOf(ApiException.class).hasMessageContaining("offset='-1'");
        assertThatThrownBy(() -> Listing.page("vdisk", entities(), Optional.empty(), Optional.of("0"), Optional.empty()))
                .hasMessageContaining("from 1 to 1000");
        assertThatThrownBy(() -> Listing.page("vdisk", entities(), Optional.empty(), Optional.of("5000"), Optional.empty()))
                .hasMessageContaining("limit='5000'");
        assertThatThrownBy(() -> Listing.page("vdisk", entities(), Optional.empty(), Optional.empty(), Optional.of("name")))
                .hasMessageContaining("FIELD==VALUE");
        assertThatThrownBy(() -> Listing.page("vdisk", entities(), Optional.empty(), Optional.empty(), Optional.of("name==x")))
                .hasMessageContaining("must start with metadata., spec. or status.");
    }
}
