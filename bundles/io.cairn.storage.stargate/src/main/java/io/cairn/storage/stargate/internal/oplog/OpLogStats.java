package io.cairn.storage.stargate.internal.oplog;

/**
 * Counters and gauges of one OpLog store, read together.
 *
 * @param bytesAppended  logical bytes of writes appended since open (zero and trim records count their length)
 * @param fsyncs         data syncs ({@code fdatasync}) of segment files since open
 * @param bytesLive      stored bytes (headers and payload) of records that still hold undrained data
 * @param bytesDrained   logical bytes released by {@link OpLogStore#markDrained} since open
 * @param spaceWaits     appends that had to wait for space since open
 * @param usedBytes      bytes of the segment files on the device, the figure held under the capacity
 * @param capacityBytes  the configured ceiling
 * @param segments       segment files on the device
 */
public record OpLogStats(long bytesAppended, long fsyncs, long bytesLive, long bytesDrained, long spaceWaits,
        long usedBytes, long capacityBytes, int segments) {
}
