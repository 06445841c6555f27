package io.cairn.storage.curator.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import io.cairn.storage.curator.internal.CuratorService.ScanType;

class ScanHistoryTest {

    static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    static ScanHistory.Entry entry(long id, ScanType type, String outcome) {
        return new ScanHistory.Entry(id, type, "r" + id, T0.plusSeconds(id), Duration.ofSeconds(1), 0, 0, 0, outcome);
    }

    @Test
    void givenAScanStartedAndFinished_thenItRunsThenIsCompletedNewestFirst() {
        ScanHistory h = new ScanHistory();
        h.started(new ScanHistory.Running(1, ScanType.PARTIAL, "leader elected", T0));
        assertThat(h.running()).hasValueSatisfying(r -> assertThat(r.executionId()).isEqualTo(1));
        h.finished(entry(1, ScanType.PARTIAL, ScanHistory.SUCCEEDED));
        h.started(new ScanHistory.Running(2, ScanType.FULL, "manual", T0));
        h.finished(entry(2, ScanType.FULL, "failed: no quorum"));
        assertThat(h.running()).isEmpty();
        assertThat(h.completed()).extracting(ScanHistory.Entry::executionId).containsExactly(2L, 1L);
        assertThat(h.lastSuccessful()).containsOnlyKeys(ScanType.PARTIAL);
    }

    @Test
    void givenMoreScansThanItKeeps_thenTheOldestRollOffButTheLastSuccessfulOfEachTypeStays() {
        ScanHistory h = new ScanHistory(3);
        h.finished(entry(1, ScanType.FULL, ScanHistory.SUCCEEDED));
        for (long id = 2; id <= 10; id++) {
            h.finished(entry(id, ScanType.PARTIAL, id == 10 ? ScanHistory.INTERRUPTED : ScanHistory.SUCCEEDED));
        }
        assertThat(h.completed()).extracting(ScanHistory.Entry::executionId).containsExactly(10L, 9L, 8L);
        assertThat(h.lastSuccessful().get(ScanType.FULL).executionId()).isEqualTo(1);
        assertThat(h.lastSuccessful().get(ScanType.PARTIAL).executionId()).as("10 was interrupted").isEqualTo(9);
        assertThat(new ScanHistory().completed()).isEmpty();
    }
}
