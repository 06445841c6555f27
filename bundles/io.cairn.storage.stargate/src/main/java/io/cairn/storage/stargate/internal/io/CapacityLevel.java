package io.cairn.storage.stargate.internal.io;

import io.cairn.common.alerts.Severity;

/**
 * How full the storage pool is, by the thresholds of spec 20 §12, from least to most severe. A
 * pool reports the most severe level that applies.
 */
public enum CapacityLevel {
    /** Below the warning threshold of resilient capacity. */
    NORMAL(Severity.INFO),
    /** At or above {@code cairn.resilient_capacity.warn_pct} (75%) of resilient capacity. */
    RESILIENT_WARNING(Severity.WARNING),
    /** Above resilient capacity: a fault-domain failure may not self-heal. */
    RESILIENT_EXCEEDED(Severity.CRITICAL),
    /** At or above 95% of the pool: user writes fail; reads and cluster writes continue. */
    POOL_FULL(Severity.CRITICAL);

    private final Severity severity;

    CapacityLevel(Severity severity) {
        this.severity = severity;
    }

    /** Severity of the alert raised at this level; {@code INFO} means no alert. */
    public Severity severity() {
        return severity;
    }
}
