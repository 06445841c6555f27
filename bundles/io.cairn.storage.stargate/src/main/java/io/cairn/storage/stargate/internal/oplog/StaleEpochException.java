package io.cairn.storage.stargate.internal.oplog;

/**
 * A write or fence carried an epoch lower than the highest this store has seen for the vDisk: the
 * sender is no longer the vDisk's owner (a newer owner has fenced it) and must stop writing.
 */
public final class StaleEpochException extends OpLogException {

    private static final long serialVersionUID = 1L;

    private final long vdiskId;
    private final long epoch;
    private final long currentEpoch;

    StaleEpochException(long vdiskId, long epoch, long currentEpoch) {
        super("vDisk " + vdiskId + ": epoch " + epoch + " is stale, this OpLog has seen epoch " + currentEpoch
                + "; the sender no longer owns the vDisk and must stop writing it");
        this.vdiskId = vdiskId;
        this.epoch = epoch;
        this.currentEpoch = currentEpoch;
    }

    public long vdiskId() {
        return vdiskId;
    }

    /** The epoch that was refused. */
    public long epoch() {
        return epoch;
    }

    /** The highest epoch the store has seen for the vDisk. */
    public long currentEpoch() {
        return currentEpoch;
    }
}
