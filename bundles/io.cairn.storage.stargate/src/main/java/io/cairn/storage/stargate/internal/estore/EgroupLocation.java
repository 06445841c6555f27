package io.cairn.storage.stargate.internal.estore;

/**
 * Where this node keeps its replica of an egroup.
 *
 * @param available     the disk is configured and online (reads and writes can be tried)
 * @param writtenSlices slices written at least once (the rest read as zeros)
 */
public record EgroupLocation(long egroupId, String diskId, boolean available, int writtenSlices) {
}
