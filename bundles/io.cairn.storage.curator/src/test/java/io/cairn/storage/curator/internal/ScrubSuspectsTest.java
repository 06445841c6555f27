package io.cairn.storage.curator.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cluster.api.ServicePresence;
import io.cairn.storage.curator.internal.ScrubSuspects.Report;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ScrubSuspectsTest {

    static final UUID A = new UUID(0, 1);
    static final UUID B = new UUID(0, 2);

    static ServicePresence stargate(UUID node, String suspects, String found) {
        return new ServicePresence(node, "Stargate", Map.of("free", "1", "offline_disks", "", "scrub_suspects", suspects, "scrub_found", found));
    }

    @Test
    void givenPresences_whenRead_thenEveryStargateReportsItsScrubberFindings() {
        Map<UUID, Report> m = ScrubSuspects.of(List.of(stargate(A, "2", "5"), new ServicePresence(B, "Stargate", Map.of()),
                new ServicePresence(A, "Other", Map.of("scrub_suspects", "9"))));

        assertThat(m).containsOnlyKeys(A, B);
        assertThat(m.get(A)).isEqualTo(new Report(2, 5));
        assertThat(m.get(B)).as("a Stargate without the attributes (an older version)").isEqualTo(new Report(0, 0));
        assertThat(ScrubSuspects.of(List.of(stargate(A, "x", "")))).containsEntry(A, new Report(0, 0));
    }

    @Test
    void givenANewBadReplica_whenThePresencesChange_thenAScanIsDue() {
        Map<UUID, Report> before = ScrubSuspects.of(List.of(stargate(A, "0", "0"), stargate(B, "0", "0")));
        Map<UUID, Report> now = ScrubSuspects.of(List.of(stargate(A, "1", "1"), stargate(B, "0", "0")));

        assertThat(ScrubSuspects.newlyFound(before, now)).isTrue();
        // one repaired and another found between two readings: the count of suspects stays, the findings grew
        assertThat(ScrubSuspects.newlyFound(Map.of(A, new Report(1, 1)), Map.of(A, new Report(1, 2)))).isTrue();
        // a node not seen before (it returned) that has suspects
        assertThat(ScrubSuspects.newlyFound(Map.of(), Map.of(B, new Report(1, 1)))).isTrue();
    }

    @Test
    void givenNoNewFinding_whenCompared_thenNoScanIsDue() {
        assertThat(ScrubSuspects.newlyFound(Map.of(A, new Report(1, 1)), Map.of(A, new Report(1, 1)))).as("unchanged").isFalse();
        assertThat(ScrubSuspects.newlyFound(Map.of(A, new Report(1, 1)), Map.of(A, new Report(0, 1)))).as("repaired").isFalse();
        assertThat(ScrubSuspects.newlyFound(Map.of(A, new Report(1, 3)), Map.of())).as("the node left").isFalse();
        assertThat(ScrubSuspects.newlyFound(Map.of(), Map.of(A, new Report(0, 0)))).isFalse();
    }
}
