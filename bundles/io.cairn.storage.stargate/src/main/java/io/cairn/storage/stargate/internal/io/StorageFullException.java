package io.cairn.storage.stargate.internal.io;

import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

/**
 * A user write refused because the storage pool is at or above 95% (spec 20 §12). Code
 * {@code RESOURCE_EXHAUSTED}, retryable: writes resume at the first usage refresh below 95%.
 * Front ends map it to NFS3ERR_NOSPC and to iSCSI DATA PROTECT with ASC/ASCQ 27h/07h.
 */
public final class StorageFullException extends CairnException {

    private static final long serialVersionUID = 1L;

    private final long usedBytes;
    private final long poolCapacityBytes;

    StorageFullException(long usedBytes, long poolCapacityBytes) {
        super(ErrorCode.RESOURCE_EXHAUSTED, "cluster storage full: the storage pool is at "
                + CapacityGuard.percent(usedBytes, poolCapacityBytes) + " (" + usedBytes + " of " + poolCapacityBytes
                + " bytes), at or above " + CapacityGuard.USER_WRITE_BLOCK_PCT
                + "%, so user writes are refused; reads, rebuild, Curator and metadata writes continue. Free space by"
                + " deleting files, snapshots or unmapping blocks, or add disks or nodes; writes resume below "
                + CapacityGuard.USER_WRITE_BLOCK_PCT + "%");
        this.usedBytes = usedBytes;
        this.poolCapacityBytes = poolCapacityBytes;
    }

    public long usedBytes() {
        return usedBytes;
    }

    public long poolCapacityBytes() {
        return poolCapacityBytes;
    }
}
