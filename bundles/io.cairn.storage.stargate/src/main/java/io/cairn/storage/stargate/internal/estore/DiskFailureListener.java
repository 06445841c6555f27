package io.cairn.storage.stargate.internal.estore;

/**
 * Told of every I/O error the extent store meets on a disk, before the failed operation throws the
 * same {@link DiskException}. Disk health (spec 20 §11: offline after 10 errors in 60 s) counts them
 * and calls {@link ExtentStore#takeOffline}. Called on the failing caller's thread: return quickly.
 */
@FunctionalInterface
public interface DiskFailureListener {

    void diskFailed(DiskException failure);
}
