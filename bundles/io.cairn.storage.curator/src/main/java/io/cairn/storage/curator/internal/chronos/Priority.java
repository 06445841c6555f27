package io.cairn.storage.curator.internal.chronos;

/**
 * The order a node runs its Chronos tasks in, most urgent first (the digit in the task's key).
 * {@link #LAST_REPLICA} is never held back by user I/O (see {@link AdmissionPolicy}).
 */
public enum Priority {
    /** Restoring the redundancy of data with at most one good replica left: one more failure would lose it. */
    LAST_REPLICA,
    /** Other under-replication: fewer live replicas than the replication factor, at least two of them good. */
    UNDER_REPLICATED,
    /** Replicas the scrubber found with slices failing their checksum, redundancy otherwise kept. */
    CHECKSUM,
    /** Garbage: orphaned replicas, surplus replicas, records still listing replicas that are gone. */
    GARBAGE;

    /** The digit of this priority in a task's key: 0 for the most urgent. */
    public int digit() {
        return ordinal();
    }

    public static Priority ofDigit(int digit) {
        Priority[] all = values();
        if (digit < 0 || digit >= all.length) {
            throw new IllegalArgumentException("no Chronos priority " + digit + "; priorities are 0 to " + (all.length - 1));
        }
        return all[digit];
    }

    /**
     * The priority of restoring one extent group's redundancy.
     *
     * @param rf      the container's replication factor
     * @param present live replicas its nodes hold
     * @param failing how many of those the scrubber found with slices failing their checksum
     */
    public static Priority ofRepair(int rf, int present, int failing) {
        int good = present - failing;
        if (good >= rf) {
            return GARBAGE; // surplus replicas, or a record listing nodes that are gone
        }
        if (good <= 1) {
            return LAST_REPLICA;
        }
        return present < rf ? UNDER_REPLICATED : CHECKSUM;
    }
}
