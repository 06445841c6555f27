package io.cairn.storage.stargate.internal.oplog;

import java.util.List;

/**
 * What the OpLog holds for a read: {@code data} has the undrained bytes overlaid at their places
 * (newest write wins) and zeros elsewhere; {@code notInOpLog} lists the sub-ranges the caller must
 * read from the unified cache or extent store and copy over {@code data}.
 *
 * @param offset     vDisk offset of {@code data[0]}
 * @param data       the bytes read, as long as the request
 * @param fromOpLog  sub-ranges served from the OpLog, ascending and merged
 * @param notInOpLog sub-ranges the OpLog has nothing for, ascending and merged
 */
public record ReadResult(long offset, byte[] data, List<ByteRange> fromOpLog, List<ByteRange> notInOpLog) {

    public ReadResult {
        fromOpLog = List.copyOf(fromOpLog);
        notInOpLog = List.copyOf(notInOpLog);
    }

    /** True when the OpLog served every byte (nothing to read elsewhere). */
    public boolean complete() {
        return notInOpLog.isEmpty();
    }
}
