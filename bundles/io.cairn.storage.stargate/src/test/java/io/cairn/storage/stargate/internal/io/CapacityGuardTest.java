package io.cairn.storage.stargate.internal.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThatNoException;

import io.cairn.common.alerts.Severity;
import io.cairn.common.error.ErrorCode;
import org.junit.jupiter.api.Test;

class CapacityGuardTest {

    private static final long POOL = 1_000_000L;
    /** {10,10,10,10} TB at FT1 RF2 → 28.5 of 40 (§12), scaled. */
    private static final long RESILIENT = 712_500L;

    private final CapacityGuard guard = new CapacityGuard(CapacityGuard.DEFAULT_WARN_PCT);

    @Test
    void givenUsageBelow75PctOfResilient_thenNormal() {
        CapacityStatus status = guard.evaluate(534_374, POOL, RESILIENT);
        assertThat(status.level()).isEqualTo(CapacityLevel.NORMAL);
        assertThat(status.level().severity()).isEqualTo(Severity.INFO);
        assertThat(status.userWritesBlocked()).isFalse();
    }

    @Test
    void givenUsageAt75PctOfResilient_thenWarning() {
        CapacityStatus status = guard.evaluate(534_375, POOL, RESILIENT);
        assertThat(status.level()).isEqualTo(CapacityLevel.RESILIENT_WARNING);
        assertThat(status.level().severity()).isEqualTo(Severity.WARNING);
        assertThat(guard.evaluate(RESILIENT, POOL, RESILIENT).level()).isEqualTo(CapacityLevel.RESILIENT_WARNING);
    }

    @Test
    void givenUsageAboveResilient_thenCritical_butUserWritesStillAllowed() {
        CapacityStatus status = guard.evaluate(RESILIENT + 1, POOL, RESILIENT);
        assertThat(status.level()).isEqualTo(CapacityLevel.RESILIENT_EXCEEDED);
        assertThat(status.level().severity()).isEqualTo(Severity.CRITICAL);
        assertThat(status.message()).contains("exceeds resilient capacity");
        assertThatNoException().isThrownBy(() -> CapacityGuard.checkWrite(status, WriteKind.USER));
    }

    @Test
    void givenPoolAt95Pct_thenUserWritesFailWithClusterStorageFull_andOtherWritesContinue() {
        CapacityStatus status = guard.evaluate(950_000, POOL, RESILIENT);
        assertThat(status.level()).isEqualTo(CapacityLevel.POOL_FULL);
        assertThat(status.message()).startsWith("storage pool ≥ 95%: user writes blocked");
        assertThatThrownBy(() -> CapacityGuard.checkWrite(status, WriteKind.USER))
                .isInstanceOf(StorageFullException.class)
                .hasMessageStartingWith("cluster storage full: the storage pool is at 95.0% (950000 of 1000000 bytes)")
                .hasMessageContaining("reads, rebuild, Curator and metadata writes continue")
                .satisfies(e -> {
                    StorageFullException full = (StorageFullException) e;
                    assertThat(full.code()).isEqualTo(ErrorCode.RESOURCE_EXHAUSTED);
                    assertThat(full.usedBytes()).isEqualTo(950_000);
                });
        for (WriteKind kind : new WriteKind[] {WriteKind.REBUILD, WriteKind.CURATOR, WriteKind.METADATA,
                WriteKind.RECLAIM}) {
            assertThatNoException().isThrownBy(() -> CapacityGuard.checkWrite(status, kind));
        }
    }

    @Test
    void givenPoolOneByteBelow95Pct_thenUserWritesResume() {
        CapacityStatus status = guard.evaluate(949_999, POOL, RESILIENT);
        assertThat(status.level()).isEqualTo(CapacityLevel.RESILIENT_EXCEEDED);
        assertThat(status.message()).contains("94.9%");
        assertThatNoException().isThrownBy(() -> CapacityGuard.checkWrite(status, WriteKind.USER));
    }

    @Test
    void givenExabytePool_thenNoOverflow() {
        long pool = Long.MAX_VALUE / 2;
        assertThat(guard.evaluate(pool, pool, pool / 2).level()).isEqualTo(CapacityLevel.POOL_FULL);
        assertThat(guard.evaluate(pool / 4, pool, pool / 2).level()).isEqualTo(CapacityLevel.NORMAL);
    }

    @Test
    void givenInvalidInput_thenClearErrors() {
        assertThatThrownBy(() -> new CapacityGuard(0)).hasMessageContaining("cairn.resilient_capacity.warn_pct is 0");
        assertThatThrownBy(() -> guard.evaluate(1, 0, 0)).hasMessageContaining("pool capacity is 0");
        assertThatThrownBy(() -> guard.evaluate(-1, POOL, RESILIENT)).hasMessageContaining("cannot be negative");
        assertThatThrownBy(() -> guard.evaluate(1, POOL, POOL + 1)).hasMessageContaining("resilient capacity");
    }
}
