package io.cairn.storage.curator.internal.capacity;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Resilient capacity of a storage pool (spec 20 §12).
 *
 * <p>Algorithm: drop the FT largest fault-domain capacities; over the remaining capacities
 * {@code c_i} find the largest real {@code D} with {@code Σ min(c_i, D) ≥ RF·D}; the resilient
 * capacity is {@code RF·D·0.95}. {@code D} is found exactly: {@code f(D) = Σ min(c_i, D) − RF·D}
 * is concave and piecewise linear with {@code f(0) = 0}, so the answer is its last zero, which lies
 * on the first segment {@code [c_k, c_k+1]} (capacities sorted ascending) where
 * {@code D = S_k / (RF − (n − k))} fits, {@code S_k} being the sum of the k smallest capacities.
 * All arithmetic is in integers; {@link #resilientBytes()} is the exact value floored to a byte.
 *
 * <p>Worked examples: {10, 10, 10, 10} TB, FT1, RF2 → D = 15 TB → 28.5 TB;
 * {10, 10, 40, 40} TB, FT1, RF2 → D = 20 TB → 38 TB.
 *
 * @param rf replication factor, at least 1
 * @param ft fault domains whose loss must still be rebuildable, at least 0
 * @param totalBytes sum of all fault domains' capacities (dropped ones included)
 * @param resilientBytes {@code RF·D·0.95}, floored to a byte; 0 when too few domains remain
 * @param perFaultDomainBytes every fault domain's capacity, by fault-domain id in id order
 * @param droppedFaultDomains the FT largest fault domains left out of the computation, largest
 *     first (ties broken by id)
 * @param warnThresholdBytes usage at which the warning alert fires ({@code warnPct} % of the
 *     resilient capacity, floored)
 */
public record ResilientCapacity(
        int rf,
        int ft,
        long totalBytes,
        long resilientBytes,
        Map<String, Long> perFaultDomainBytes,
        List<String> droppedFaultDomains,
        long warnThresholdBytes) {

    /** Config property: warning threshold in percent of the resilient capacity. */
    public static final String WARN_PCT_PROPERTY = "cairn.resilient_capacity.warn_pct";
    /** Default of {@value #WARN_PCT_PROPERTY}. */
    public static final int DEFAULT_WARN_PCT = 75;
    /** Share of {@code RF·D} reported as resilient, in percent (the pool's 95% full mark). */
    public static final int USABLE_PCT = 95;

    /** How a pool's usage compares with its resilient capacity. */
    public enum Level {
        /** Below the warning threshold. */
        OK,
        /** At or above the warning threshold, not above the resilient capacity. */
        WARNING,
        /** Above the resilient capacity: a fault-domain failure may not self-heal. */
        CRITICAL
    }

    /** Validates the invariants and copies the collections. */
    public ResilientCapacity {
        if (rf < 1) {
            throw new IllegalArgumentException("replication factor must be at least 1, was " + rf);
        }
        if (ft < 0) {
            throw new IllegalArgumentException("fault tolerance must not be negative, was " + ft);
        }
        if (totalBytes < 0 || resilientBytes < 0 || resilientBytes > totalBytes) {
            throw new IllegalArgumentException("resilient capacity " + resilientBytes
                    + " must lie between 0 and the total capacity " + totalBytes);
        }
        if (warnThresholdBytes < 0 || warnThresholdBytes > resilientBytes) {
            throw new IllegalArgumentException("warning threshold " + warnThresholdBytes
                    + " must lie between 0 and the resilient capacity " + resilientBytes);
        }
        perFaultDomainBytes = Collections.unmodifiableMap(new LinkedHashMap<>(perFaultDomainBytes));
        droppedFaultDomains = List.copyOf(droppedFaultDomains);
    }

    /**
     * Computes the resilient capacity with the default warning threshold
     * ({@value #DEFAULT_WARN_PCT} %).
     *
     * @param capacityByFaultDomain each fault domain's capacity in bytes, by fault-domain id
     * @param rf replication factor, at least 1
     * @param ft fault-domain failures to survive, at least 0
     * @return the resilient capacity
     * @throws IllegalArgumentException on a negative capacity, RF below 1, negative FT, or a total
     *     that does not fit in a long
     */
    public static ResilientCapacity compute(Map<String, Long> capacityByFaultDomain, int rf, int ft) {
        return compute(capacityByFaultDomain, rf, ft, DEFAULT_WARN_PCT);
    }

    /**
     * Computes the resilient capacity.
     *
     * @param capacityByFaultDomain each fault domain's capacity in bytes, by fault-domain id
     * @param rf replication factor, at least 1
     * @param ft fault-domain failures to survive, at least 0; FT at or above the number of fault
     *     domains leaves nothing, so the resilient capacity is 0
     * @param warnPct warning threshold in percent of the resilient capacity, 0 to 100
     * @return the resilient capacity
     * @throws IllegalArgumentException on a negative capacity, RF below 1, negative FT, a warning
     *     percentage outside 0..100, or a total that does not fit in a long
     */
    public static ResilientCapacity compute(
            Map<String, Long> capacityByFaultDomain, int rf, int ft, int warnPct) {
        if (rf < 1) {
            throw new IllegalArgumentException("replication factor must be at least 1, was " + rf);
        }
        if (ft < 0) {
            throw new IllegalArgumentException("fault tolerance must not be negative, was " + ft);
        }
        if (warnPct < 0 || warnPct > 100) {
            throw new IllegalArgumentException(
                    WARN_PCT_PROPERTY + " must be between 0 and 100, was " + warnPct);
        }
        Map<String, Long> byId = new TreeMap<>();
        long total = 0;
        for (Map.Entry<String, Long> e : capacityByFaultDomain.entrySet()) {
            long bytes = e.getValue();
            if (bytes < 0) {
                throw new IllegalArgumentException(
                        "fault domain '" + e.getKey() + "' has a negative capacity: " + bytes);
            }
            try {
                total = Math.addExact(total, bytes);
            } catch (ArithmeticException overflow) {
                throw new IllegalArgumentException(
                        "the fault domains' total capacity does not fit in a long", overflow);
            }
            byId.put(e.getKey(), bytes);
        }
        List<Map.Entry<String, Long>> largestFirst = new ArrayList<>(byId.entrySet());
        largestFirst.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
                .thenComparing(Map.Entry.comparingByKey()));
        int drop = Math.min(ft, largestFirst.size());
        List<String> dropped = largestFirst.subList(0, drop).stream().map(Map.Entry::getKey).toList();
        List<Long> rest = largestFirst.subList(drop, largestFirst.size()).stream()
                .map(Map.Entry::getValue).toList();

        Fraction d = balancePointExact(rest, rf);
        // RF·D·95/100, floored; RF·D ≤ Σ rest ≤ total, so it fits in a long
        long resilient = d.numerator.multiply(BigInteger.valueOf((long) rf * USABLE_PCT))
                .divide(d.denominator.multiply(BigInteger.valueOf(100))).longValueExact();
        long warn = BigInteger.valueOf(resilient).multiply(BigInteger.valueOf(warnPct))
                .divide(BigInteger.valueOf(100)).longValueExact();
        return new ResilientCapacity(rf, ft, total, resilient, byId, dropped, warn);
    }

    /**
     * The largest real {@code D} with {@code Σ min(c_i, D) ≥ RF·D} over the given capacities (no
     * fault domain dropped), for reports and tests; 0 when fewer than RF capacities are positive.
     *
     * @param capacities capacities in bytes, none negative
     * @param rf replication factor, at least 1
     * @return D in bytes, to 34 significant digits
     */
    public static BigDecimal balancePoint(Collection<Long> capacities, int rf) {
        if (rf < 1) {
            throw new IllegalArgumentException("replication factor must be at least 1, was " + rf);
        }
        for (long c : capacities) {
            if (c < 0) {
                throw new IllegalArgumentException("capacities must not be negative, got " + c);
            }
        }
        Fraction d = balancePointExact(capacities, rf);
        return new BigDecimal(d.numerator).divide(new BigDecimal(d.denominator), MathContext.DECIMAL128);
    }

    /**
     * This pool's level at the given usage: {@link Level#CRITICAL} above the resilient capacity,
     * {@link Level#WARNING} at or above the warning threshold, else {@link Level#OK}. An unused
     * pool is always OK, even one with no resilient capacity.
     *
     * @param usedBytes bytes in use in the pool (all replicas), not negative
     * @return the level
     */
    public Level level(long usedBytes) {
        if (usedBytes < 0) {
            throw new IllegalArgumentException("used bytes must not be negative, was " + usedBytes);
        }
        if (usedBytes > resilientBytes) {
            return Level.CRITICAL;
        }
        if (usedBytes > 0 && usedBytes >= warnThresholdBytes) {
            return Level.WARNING;
        }
        return Level.OK;
    }

    /** An exact non-negative rational, denominator positive. */
    private record Fraction(BigInteger numerator, BigInteger denominator) {
    }

    private static Fraction balancePointExact(Collection<Long> capacities, int rf) {
        long[] c = capacities.stream().mapToLong(Long::longValue).sorted().toArray();
        int n = c.length;
        BigInteger prefix = BigInteger.ZERO; // S_k: sum of the k smallest
        for (int k = 0; k <= n; k++) {
            // on [c_k, c_k+1] (c_0 = 0, c_n+1 = ∞): f(D) = S_k + (n − k)·D − RF·D
            int slope = n - k - rf;
            if (slope < 0) {
                // f(c_k) ≥ 0 (f is concave, f(0) = 0 and we have not yet crossed zero), so the
                // zero on this segment's line is D = S_k / (RF − (n − k)) ≥ c_k
                BigInteger den = BigInteger.valueOf(-slope);
                boolean fits = k == n || prefix.compareTo(den.multiply(BigInteger.valueOf(c[k]))) <= 0;
                if (fits) {
                    return new Fraction(prefix, den);
                }
            }
            if (k < n) {
                prefix = prefix.add(BigInteger.valueOf(c[k]));
            }
        }
        throw new AssertionError("the last segment always has a negative slope");
    }
}
