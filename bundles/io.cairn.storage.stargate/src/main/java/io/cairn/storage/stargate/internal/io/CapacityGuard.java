package io.cairn.storage.stargate.internal.io;

import io.cairn.common.error.CairnException;
import java.math.BigInteger;
import java.util.Locale;

/**
 * Full-pool behaviour of spec 20 §12, as a pure function of pool usage:
 * <ul>
 *   <li>warning alert when usage reaches {@value #WARN_PCT_PROPERTY} (default 75%) of
 *       resilient capacity;</li>
 *   <li>critical alert when usage exceeds resilient capacity;</li>
 *   <li>at {@value #USER_WRITE_BLOCK_PCT}% of the pool, user writes fail with
 *       {@link StorageFullException} ("cluster storage full"); reads, rebuild, Curator and
 *       metadata writes and delete/truncate/unmap continue. Writes resume as soon as a usage
 *       refresh sees less than 95%: no hysteresis (open decision 17).</li>
 * </ul>
 * The 95% limit is fixed by the spec (no property is named for it); the warning percentage is
 * configurable. Comparisons are exact integer arithmetic, so 95% of the pool is blocked and one
 * byte less is not.
 */
public final class CapacityGuard {

    /** Config property of the warning threshold, in percent of resilient capacity. */
    public static final String WARN_PCT_PROPERTY = "cairn.resilient_capacity.warn_pct";
    /** Default of {@value #WARN_PCT_PROPERTY}. */
    public static final int DEFAULT_WARN_PCT = 75;
    /** Pool usage, in percent, at and above which user writes fail. */
    public static final int USER_WRITE_BLOCK_PCT = 95;

    private static final BigInteger HUNDRED = BigInteger.valueOf(100);

    private final int warnPct;

    /** @param warnPct the value of {@value #WARN_PCT_PROPERTY}, 1 to 100 */
    public CapacityGuard(int warnPct) {
        if (warnPct < 1 || warnPct > 100) {
            throw CairnException.invalid(WARN_PCT_PROPERTY + " is " + warnPct
                    + "; give a percentage of resilient capacity from 1 to 100 (default " + DEFAULT_WARN_PCT + ")");
        }
        this.warnPct = warnPct;
    }

    /**
     * The pool's state for one usage refresh.
     *
     * @param usedBytes bytes used in the pool, not negative (may exceed capacity transiently)
     * @param poolCapacityBytes formatted capacity of the pool, positive
     * @param resilientCapacityBytes resilient capacity (§12 algorithm), 0 to pool capacity
     */
    public CapacityStatus evaluate(long usedBytes, long poolCapacityBytes, long resilientCapacityBytes) {
        if (poolCapacityBytes <= 0) {
            throw CairnException.invalid("storage pool capacity is " + poolCapacityBytes
                    + " bytes; a pool needs at least one disk with capacity");
        }
        if (usedBytes < 0) {
            throw CairnException.invalid("storage pool usage is " + usedBytes + " bytes; usage cannot be negative");
        }
        if (resilientCapacityBytes < 0 || resilientCapacityBytes > poolCapacityBytes) {
            throw CairnException.invalid("resilient capacity " + resilientCapacityBytes
                    + " bytes is outside 0.." + poolCapacityBytes + " (the pool capacity); recompute it from the"
                    + " fault-domain capacities");
        }
        String usage = percent(usedBytes, poolCapacityBytes) + " of the pool (" + usedBytes + " of " + poolCapacityBytes
                + " bytes)";
        if (atLeastPercent(usedBytes, poolCapacityBytes, USER_WRITE_BLOCK_PCT)) {
            return new CapacityStatus(CapacityLevel.POOL_FULL, usedBytes, poolCapacityBytes, resilientCapacityBytes,
                    "storage pool ≥ " + USER_WRITE_BLOCK_PCT + "%: user writes blocked; usage " + usage
                            + "; delete data or add capacity");
        }
        if (usedBytes > resilientCapacityBytes) {
            return new CapacityStatus(CapacityLevel.RESILIENT_EXCEEDED, usedBytes, poolCapacityBytes, resilientCapacityBytes,
                    "usage " + usage + " exceeds resilient capacity of " + resilientCapacityBytes
                            + " bytes: a fault-domain failure may not self-heal; delete data or add capacity");
        }
        if (atLeastPercent(usedBytes, resilientCapacityBytes, warnPct)) {
            return new CapacityStatus(CapacityLevel.RESILIENT_WARNING, usedBytes, poolCapacityBytes, resilientCapacityBytes,
                    "usage " + usage + " is at or above " + warnPct + "% of resilient capacity ("
                            + resilientCapacityBytes + " bytes); plan to free or add capacity");
        }
        return new CapacityStatus(CapacityLevel.NORMAL, usedBytes, poolCapacityBytes, resilientCapacityBytes, "usage " + usage);
    }

    /**
     * Admits or refuses a write in the given state: user writes throw when the pool is full,
     * every other kind passes.
     *
     * @throws StorageFullException for a {@link WriteKind#USER} write while the pool is full
     */
    public static void checkWrite(CapacityStatus status, WriteKind kind) {
        if (status.userWritesBlocked() && kind.blockedWhenPoolFull()) {
            throw new StorageFullException(status.usedBytes(), status.poolCapacityBytes());
        }
    }

    /**
     * {@code part / whole} as a percentage for messages, rounded down to one decimal so a pool
     * just below 95% never reads "95.0%".
     */
    static String percent(long part, long whole) {
        return String.format(Locale.ROOT, "%.1f%%", Math.floor(1000.0 * part / whole) / 10);
    }

    private static boolean atLeastPercent(long part, long whole, int pct) {
        BigInteger scaledPart = BigInteger.valueOf(part).multiply(HUNDRED);
        return scaledPart.compareTo(BigInteger.valueOf(whole).multiply(BigInteger.valueOf(pct))) >= 0;
    }

}
