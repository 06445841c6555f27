package io.cairn.storage.stargate.internal.estore;

/**
 * The extent store's counters since it opened (spec 20 §9, 2009/h/vars): a snapshot taken by
 * {@link ExtentStore#counters()}.
 *
 * @param checksumErrors slices that failed their CRC32C check, on reads and on {@link ExtentStore#verify}
 * @param bytesRead      bytes returned verified by {@link ExtentStore#read}
 * @param bytesWritten   bytes acknowledged by {@link ExtentStore#write} and {@link ExtentStore#repair}
 * @param slicesRepaired slices rewritten by {@link ExtentStore#repair}
 * @param scrubBytes     bytes checked by {@link ExtentStore#verify}
 * @param diskIoErrors   I/O errors met on disks (each also went to the {@link DiskFailureListener})
 */
public record ExtentStoreCounters(long checksumErrors, long bytesRead, long bytesWritten, long slicesRepaired,
        long scrubBytes, long diskIoErrors) {
}
