package io.cairn.storage.stargate.internal.estore;

import java.nio.file.Path;

/**
 * One disk's share of the extent store, as {@link ExtentStore#usage()} reports it.
 *
 * @param usedBytes     bytes of slices written to the egroups on this disk (4 KiB per written slice;
 *                      never-written slices are holes and not counted)
 * @param capacityBytes the configured capacity, or the file system's size when none is configured
 *                      (0 if the disk was unreadable when the store opened)
 * @param egroups       egroup replicas on this disk
 */
public record DiskUsage(String diskId, Path root, boolean online, long usedBytes, long capacityBytes, long egroups) {
}
