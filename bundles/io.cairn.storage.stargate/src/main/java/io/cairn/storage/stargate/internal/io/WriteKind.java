package io.cairn.storage.stargate.internal.io;

/**
 * Who a write is for, which decides whether a full pool blocks it (spec 20 §12): only user
 * writes are blocked at 95%; the cluster's own writes continue so it can restore RF and free
 * space. Reads are never blocked and need no kind.
 */
public enum WriteKind {
    /** Data a VM, volume, share or bucket writes (NFS, iSCSI, SMB, NBD). Blocked when full. */
    USER,
    /** Re-replication restoring RF after a disk or node loss. */
    REBUILD,
    /** Curator background work: ILM, balancing, EC, compression, dedupe, GC. */
    CURATOR,
    /** Global and local metadata. */
    METADATA,
    /** Delete, truncate and unmap: they free space, so a full pool allows them. */
    RECLAIM;

    /** Whether a pool at or above 95% refuses writes of this kind. */
    public boolean blockedWhenPoolFull() {
        return this == USER;
    }
}
