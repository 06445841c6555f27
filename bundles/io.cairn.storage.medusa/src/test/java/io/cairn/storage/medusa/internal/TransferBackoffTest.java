package io.cairn.storage.medusa.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** The wait before the Medusa leader tries again to move a shard's leadership after failed transfers. */
class TransferBackoffTest {

    @Test
    void givenFailedTransfers_thenTheWaitDoublesFromTenSecondsUpToFiveMinutes() {
        assertThat(MedusaController.transferBackoff(0)).isEqualTo(Duration.ZERO);
        assertThat(MedusaController.transferBackoff(1)).isEqualTo(Duration.ofSeconds(10));
        assertThat(MedusaController.transferBackoff(2)).isEqualTo(Duration.ofSeconds(20));
        assertThat(MedusaController.transferBackoff(3)).isEqualTo(Duration.ofSeconds(40));
        assertThat(MedusaController.transferBackoff(4)).isEqualTo(Duration.ofSeconds(80));
        assertThat(MedusaController.transferBackoff(5)).isEqualTo(Duration.ofSeconds(160));
        assertThat(MedusaController.transferBackoff(6)).isEqualTo(Duration.ofMinutes(5));
        assertThat(MedusaController.transferBackoff(1000)).isEqualTo(Duration.ofMinutes(5));
    }
}
