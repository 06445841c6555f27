package io.cairn.storage.stargate.internal.estore;

/**
 * A disk could not serve an extent-store operation: an I/O error ({@link Reason#DISK_IO_ERROR};
 * it is also passed to the store's {@link DiskFailureListener}, so disk health can count it and
 * take the disk offline) or the disk is offline or not configured ({@link Reason#DISK_OFFLINE}).
 * Either way the caller reads another replica of the egroup.
 */
public final class DiskException extends ExtentStoreException {

    private static final long serialVersionUID = 1L;

    private final String diskId;

    public DiskException(Reason reason, String diskId, String message, Throwable cause) {
        super(reason, message, cause);
        if (reason != Reason.DISK_IO_ERROR && reason != Reason.DISK_OFFLINE) {
            throw new IllegalArgumentException("a DiskException is DISK_IO_ERROR or DISK_OFFLINE, not " + reason);
        }
        this.diskId = diskId;
    }

    /** The disk that failed or is offline. */
    public String diskId() {
        return diskId;
    }
}
