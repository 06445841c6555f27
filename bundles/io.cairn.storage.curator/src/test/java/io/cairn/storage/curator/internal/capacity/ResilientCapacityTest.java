package io.cairn.storage.curator.internal.capacity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.storage.curator.internal.capacity.ResilientCapacity.Level;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ResilientCapacityTest {

    /** The spec's TB: 10^12 bytes. */
    private static final long TB = 1_000_000_000_000L;

    private static Map<String, Long> domains(long... bytes) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < bytes.length; i++) {
            m.put("fd" + i, bytes[i]);
        }
        return m;
    }

    @Test
    void givenFourEqual10TbNodes_Ft1Rf2_thenResilientIs28_5Tb() {
        ResilientCapacity rc = ResilientCapacity.compute(domains(10 * TB, 10 * TB, 10 * TB, 10 * TB), 2, 1);

        assertThat(rc.totalBytes()).isEqualTo(40 * TB);
        assertThat(rc.resilientBytes()).isEqualTo(28_500_000_000_000L);
        assertThat(rc.warnThresholdBytes()).isEqualTo(21_375_000_000_000L);
        assertThat(rc.droppedFaultDomains()).containsExactly("fd0");
        assertThat(ResilientCapacity.balancePoint(List.of(10 * TB, 10 * TB, 10 * TB), 2))
                .isEqualByComparingTo(BigDecimal.valueOf(15 * TB));
    }

    @Test
    void givenBlocksOf10_10_40_40Tb_Ft1Rf2_thenResilientIs38Tb() {
        ResilientCapacity rc = ResilientCapacity.compute(domains(10 * TB, 10 * TB, 40 * TB, 40 * TB), 2, 1);

        assertThat(rc.totalBytes()).isEqualTo(100 * TB);
        assertThat(rc.resilientBytes()).isEqualTo(38 * TB);
        assertThat(rc.droppedFaultDomains()).containsExactly("fd2");
        assertThat(ResilientCapacity.balancePoint(List.of(10 * TB, 10 * TB, 40 * TB), 2))
                .isEqualByComparingTo(BigDecimal.valueOf(20 * TB));
        assertThat(rc.perFaultDomainBytes()).containsExactly(
                Map.entry("fd0", 10 * TB), Map.entry("fd1", 10 * TB),
                Map.entry("fd2", 40 * TB), Map.entry("fd3", 40 * TB));
    }

    @Test
    void givenFewerDomainsThanRfAfterDropping_thenResilientIsZero() {
        assertThat(ResilientCapacity.compute(domains(10 * TB, 10 * TB), 2, 1).resilientBytes()).isZero();
        assertThat(ResilientCapacity.compute(domains(10 * TB, 10 * TB, 10 * TB, 10 * TB), 3, 2)
                .resilientBytes()).isZero();
        assertThat(ResilientCapacity.compute(domains(10 * TB), 1, 1).resilientBytes()).isZero();
        assertThat(ResilientCapacity.compute(domains(), 2, 1).resilientBytes()).isZero();
        // FT larger than the number of domains: all dropped
        ResilientCapacity rc = ResilientCapacity.compute(domains(5, 7), 1, 5);
        assertThat(rc.resilientBytes()).isZero();
        assertThat(rc.droppedFaultDomains()).containsExactly("fd1", "fd0");
    }

    @Test
    void givenZeroCapacityDomains_thenTheyDoNotCount() {
        // only one domain with space left after dropping: RF2 cannot be restored anywhere
        assertThat(ResilientCapacity.compute(domains(0, 0, 10 * TB, 10 * TB), 2, 1).resilientBytes()).isZero();
    }

    @Test
    void givenRf1_thenEverythingButTheDroppedDomainsIsUsable() {
        ResilientCapacity rc = ResilientCapacity.compute(domains(3 * TB, 5 * TB, 9 * TB), 1, 1);
        assertThat(rc.resilientBytes()).isEqualTo(8 * TB * 95 / 100);
        assertThat(ResilientCapacity.compute(domains(3 * TB, 5 * TB, 9 * TB), 1, 0).resilientBytes())
                .isEqualTo(17 * TB * 95 / 100);
    }

    @Test
    void givenFt2Rf3_thenTheTwoLargestAreDroppedAndDIsSolvedOverTheRest() {
        // rest {10, 10, 10, 10}: Σ min(c, D) = 40 ≥ 3D → D = 40/3; resilient = 40·0.95 = 38 TB
        ResilientCapacity rc = ResilientCapacity.compute(
                domains(10 * TB, 10 * TB, 10 * TB, 10 * TB, 20 * TB, 30 * TB), 3, 2);
        assertThat(rc.droppedFaultDomains()).containsExactly("fd5", "fd4");
        assertThat(rc.resilientBytes()).isEqualTo(38 * TB);
        assertThat(ResilientCapacity.balancePoint(List.of(10L, 10L, 10L, 10L), 3).doubleValue())
                .isCloseTo(40.0 / 3, org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void givenUnequalSizes_thenTheBigDomainIsCappedAtD() {
        // rest {1, 2, 100}, RF2: D on [2, 100]: 3 + D ≥ 2D → D = 3 (the big domain can hold only
        // as much as the others can mirror); resilient = 6·0.95
        assertThat(ResilientCapacity.balancePoint(List.of(1L, 2L, 100L), 2)).isEqualByComparingTo("3");
        assertThat(ResilientCapacity.compute(domains(1 * TB, 2 * TB, 100 * TB, 200 * TB), 2, 1)
                .resilientBytes()).isEqualTo(5_700_000_000_000L);
        // rest {4, 5, 6}, RF2: all fit (15 ≥ 2·7.5 and 7.5 ≥ 6) → D = 7.5, RF·D = 15
        assertThat(ResilientCapacity.balancePoint(List.of(4L, 5L, 6L), 2)).isEqualByComparingTo("7.5");
        // rest {1, 1, 1, 9}, RF3: D on [1, 9]: 3 + D ≥ 3D → D = 1.5; RF·D = 4.5
        assertThat(ResilientCapacity.balancePoint(List.of(1L, 1L, 1L, 9L), 3)).isEqualByComparingTo("1.5");
    }

    @Test
    void givenBytesBeyondIntRange_thenTheResultIsExactToTheByteFloored() {
        long a = 3_000_000_000_001L;
        long b = 5_000_000_000_003L;
        long c = 7_000_000_000_007L;
        // RF2, FT0: D = (a + b + c) / 2 since c ≤ D; resilient = floor((a + b + c)·0.95)
        long sum = a + b + c;
        ResilientCapacity rc = ResilientCapacity.compute(domains(a, b, c), 2, 0);
        assertThat(rc.resilientBytes()).isEqualTo(Math.floorDiv(sum * 95, 100));
        assertThat(rc.totalBytes()).isEqualTo(sum);
        // near Long.MAX_VALUE: no overflow in the intermediate products
        long big = Long.MAX_VALUE / 4;
        ResilientCapacity huge = ResilientCapacity.compute(domains(big, big, big, big), 2, 1);
        assertThat(huge.resilientBytes()).isEqualTo(
                java.math.BigInteger.valueOf(big).multiply(java.math.BigInteger.valueOf(3 * 95))
                        .divide(java.math.BigInteger.valueOf(100)).longValueExact());
    }

    @Test
    void givenRandomCapacities_thenDIsTheLargestBalancePoint() {
        Random random = new Random(42);
        for (int round = 0; round < 2000; round++) {
            int n = random.nextInt(8);
            int rf = 1 + random.nextInt(3);
            long[] c = new long[n];
            for (int i = 0; i < n; i++) {
                c[i] = random.nextInt(1000);
            }
            List<Long> caps = java.util.Arrays.stream(c).boxed().toList();
            double d = ResilientCapacity.balancePoint(caps, rf).doubleValue();
            assertThat(covered(c, d)).as("Σ min(c, D) ≥ RF·D for %s RF%d", caps, rf)
                    .isGreaterThanOrEqualTo(rf * d - 1e-9);
            double beyond = d + 1e-6;
            assertThat(covered(c, beyond)).as("D is the largest for %s RF%d", caps, rf)
                    .isLessThan(rf * beyond);
        }
    }

    private static double covered(long[] c, double d) {
        double sum = 0;
        for (long x : c) {
            sum += Math.min(x, d);
        }
        return sum;
    }

    @Test
    void levelIsOkBelow75Percent_warningFromIt_criticalAboveResilient() {
        ResilientCapacity rc = ResilientCapacity.compute(domains(10 * TB, 10 * TB, 40 * TB, 40 * TB), 2, 1);
        long warn = rc.warnThresholdBytes();
        assertThat(warn).isEqualTo(28_500_000_000_000L);
        assertThat(rc.level(0)).isEqualTo(Level.OK);
        assertThat(rc.level(warn - 1)).isEqualTo(Level.OK);
        assertThat(rc.level(warn)).isEqualTo(Level.WARNING);
        assertThat(rc.level(rc.resilientBytes())).isEqualTo(Level.WARNING);
        assertThat(rc.level(rc.resilientBytes() + 1)).isEqualTo(Level.CRITICAL);
        assertThat(ResilientCapacity.compute(domains(10 * TB, 10 * TB), 2, 1, 50).level(1))
                .isEqualTo(Level.CRITICAL);
        assertThat(ResilientCapacity.compute(domains(4, 4, 4), 2, 0, 50).warnThresholdBytes())
                .isEqualTo(5); // resilient floor(12·0.95) = 11, 50% floored
    }

    @Test
    void givenInvalidInput_thenTheMessageSaysWhatIsWrong() {
        assertThatThrownBy(() -> ResilientCapacity.compute(domains(1, -1), 2, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("fault domain 'fd1' has a negative capacity: -1");
        assertThatThrownBy(() -> ResilientCapacity.compute(domains(1), 0, 1))
                .hasMessage("replication factor must be at least 1, was 0");
        assertThatThrownBy(() -> ResilientCapacity.compute(domains(1), 2, -1))
                .hasMessage("fault tolerance must not be negative, was -1");
        assertThatThrownBy(() -> ResilientCapacity.compute(domains(1), 2, 1, 101))
                .hasMessage("cairn.resilient_capacity.warn_pct must be between 0 and 100, was 101");
        assertThatThrownBy(() -> ResilientCapacity.compute(domains(Long.MAX_VALUE, 1), 2, 1))
                .hasMessage("the fault domains' total capacity does not fit in a long");
        ResilientCapacity rc = ResilientCapacity.compute(domains(1, 1, 1), 2, 1);
        assertThatThrownBy(() -> rc.level(-1)).hasMessage("used bytes must not be negative, was -1");
    }
}
