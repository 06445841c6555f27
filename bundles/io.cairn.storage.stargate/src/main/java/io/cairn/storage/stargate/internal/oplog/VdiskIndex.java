package io.cairn.storage.stargate.internal.oplog;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * One vDisk's state in an OpLog store: which byte ranges have undrained data and in which record
 * (non-overlapping pieces, newest write wins), the fencing epoch, the newest write accepted and the
 * space its records use. Not thread-safe: the store's lock guards it.
 */
final class VdiskIndex {

    /** A byte range {@code [start, end)} whose newest data is in {@code record}. */
    record Piece(long start, long end, StoredRecord record) {
        long length() {
            return end - start;
        }
    }

    final long vdiskId;
    private final TreeMap<Long, Piece> pieces = new TreeMap<>();
    /** Highest epoch seen in a write or fence. */
    long fenceEpoch = -1;
    /** Newest write accepted (appended, maybe not yet durable). */
    long newestEpoch = -1;
    long newestSequence = -1;
    /** Newest write in the index (durable). */
    long indexedEpoch = -1;
    long indexedSequence = -1;
    /** Stored bytes of this vDisk's records that are live or not yet durable. */
    long chargedBytes;
    /** Logical bytes the index covers. */
    long undrainedBytes;

    VdiskIndex(long vdiskId) {
        this.vdiskId = vdiskId;
    }

    boolean isEmpty() {
        return pieces.isEmpty();
    }

    /** Makes {@code record} the newest data of its range; {@code onDead} gets records left without data. */
    void insert(StoredRecord record, Consumer<StoredRecord> onDead) {
        long start = record.offset;
        long end = record.offset + record.length;
        remove(start, end, piece -> true, onDead);
        record.coveredBytes = record.length;
        pieces.put(start, new Piece(start, end, record));
        undrainedBytes += record.length;
        if (record.epoch > indexedEpoch || (record.epoch == indexedEpoch && record.sequence > indexedSequence)) {
            indexedEpoch = record.epoch;
            indexedSequence = record.sequence;
        }
    }

    /**
     * Removes the data of records not newer than {@code (epoch, sequence)} from {@code [start, end)};
     * returns the logical bytes removed.
     */
    long removeUpTo(long start, long end, long epoch, long sequence, Consumer<StoredRecord> onDead) {
        return remove(start, end, piece -> piece.record().notNewerThan(epoch, sequence), onDead);
    }

    private long remove(long start, long end, Predicate<Piece> which, Consumer<StoredRecord> onDead) {
        long removed = 0;
        for (Piece piece : overlapping(start, end, false)) {
            if (!which.test(piece)) {
                continue;
            }
            pieces.remove(piece.start());
            if (piece.start() < start) {
                pieces.put(piece.start(), new Piece(piece.start(), start, piece.record()));
            }
            if (piece.end() > end) {
                pieces.put(end, new Piece(end, piece.end(), piece.record()));
            }
            long cut = Math.min(end, piece.end()) - Math.max(start, piece.start());
            removed += cut;
            piece.record().coveredBytes -= cut;
            if (piece.record().coveredBytes == 0) {
                onDead.accept(piece.record());
            }
        }
        undrainedBytes -= removed;
        return removed;
    }

    /** Pieces overlapping {@code [start, end)}, ascending; clipped to the range when {@code clip}. */
    List<Piece> overlapping(long start, long end, boolean clip) {
        List<Piece> result = new ArrayList<>();
        Map.Entry<Long, Piece> before = pieces.lowerEntry(start);
        if (before != null && before.getValue().end() > start) {
            result.add(before.getValue());
        }
        result.addAll(pieces.subMap(start, true, end, false).values());
        if (clip) {
            result.replaceAll(p -> new Piece(Math.max(start, p.start()), Math.min(end, p.end()), p.record()));
        }
        return result;
    }

    /** All pieces, ascending. */
    List<Piece> pieces() {
        return new ArrayList<>(pieces.values());
    }
}
