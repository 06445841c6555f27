package io.cairn.storage.stargate.internal.oplog;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The on-disk encoding of segment headers, write records and drain markers (the format is
 * described in {@code package-info.java}). Big-endian throughout.
 */
final class RecordCodec {

    static final long SEGMENT_MAGIC = 0x434149524E4F504CL; // "CAIRNOPL"
    static final int FORMAT_VERSION = 1;
    static final int SEGMENT_HEADER_BYTES = 32;

    static final int RECORD_MAGIC = 0x4F504C47; // "OPLG"
    static final int RECORD_HEADER_BYTES = 52;
    /** Bytes of a record header covered by its CRC (everything before the CRC field). */
    private static final int CRC_COVERED_HEADER_BYTES = 48;

    /** Flags value of a drain marker (write kinds use {@link RecordKind#code()}). */
    static final int DRAIN_MARKER_CODE = 3;
    /** Bytes per range in a drain marker's payload: offset and length, both longs. */
    static final int MARKER_RANGE_BYTES = 16;

    private RecordCodec() {
    }

    static ByteBuffer segmentHeader(long segmentId) {
        ByteBuffer header = ByteBuffer.allocate(SEGMENT_HEADER_BYTES);
        header.putLong(SEGMENT_MAGIC).putInt(FORMAT_VERSION).putInt(0).putLong(segmentId);
        header.putInt(crc(header.array(), 0, 24)).putInt(0);
        return header.flip();
    }

    /** The segment id in {@code header}, or -1 if it is not a valid segment header. */
    static long segmentId(ByteBuffer header) {
        if (header.remaining() < SEGMENT_HEADER_BYTES) {
            return -1;
        }
        byte[] bytes = new byte[SEGMENT_HEADER_BYTES];
        header.get(bytes);
        ByteBuffer b = ByteBuffer.wrap(bytes);
        if (b.getLong(0) != SEGMENT_MAGIC || b.getInt(8) != FORMAT_VERSION || b.getInt(24) != crc(bytes, 0, 24)) {
            return -1;
        }
        return b.getLong(16);
    }

    /**
     * Encodes a write; a {@link RecordKind#DATA} record whose payload is all zeros is stored as a
     * {@link RecordKind#ZERO} record without payload.
     */
    static ByteBuffer encode(OpLogRecord record) {
        RecordKind kind = record.kind() == RecordKind.DATA && allZero(record.payload()) ? RecordKind.ZERO : record.kind();
        byte[] payload = kind == RecordKind.DATA ? record.payload() : new byte[0];
        return encode(kind.code(), record.vdiskId(), record.epoch(), record.sequence(), record.offset(), record.length(), payload);
    }

    /** Encodes a drain marker: data of {@code vdiskId} up to {@code (epoch, sequence)} in {@code ranges} is drained. */
    static ByteBuffer encodeMarker(long vdiskId, long epoch, long sequence, List<ByteRange> ranges) {
        ByteBuffer payload = ByteBuffer.allocate(ranges.size() * MARKER_RANGE_BYTES);
        for (ByteRange range : ranges) {
            payload.putLong(range.offset()).putLong(range.length());
        }
        return encode(DRAIN_MARKER_CODE, vdiskId, epoch, sequence, 0, 0, payload.array());
    }

    private static ByteBuffer encode(int flags, long vdiskId, long epoch, long sequence, long offset, int length, byte[] payload) {
        ByteBuffer buffer = ByteBuffer.allocate(RECORD_HEADER_BYTES + payload.length);
        buffer.putInt(RECORD_MAGIC).putInt(flags).putLong(vdiskId).putLong(epoch).putLong(sequence).putLong(offset)
                .putInt(length).putInt(payload.length);
        CRC32C crc = new CRC32C();
        crc.update(buffer.array(), 0, CRC_COVERED_HEADER_BYTES);
        crc.update(payload);
        buffer.putInt((int) crc.getValue()).put(payload);
        return buffer.flip();
    }

    /**
     * A decoded record header. {@code flags} is a {@link RecordKind} code or {@link #DRAIN_MARKER_CODE}.
     */
    record Header(int flags, long vdiskId, long epoch, long sequence, long offset, int length, int payloadLength, int crc) {

        boolean isMarker() {
            return flags == DRAIN_MARKER_CODE;
        }

        int storedBytes() {
            return RECORD_HEADER_BYTES + payloadLength;
        }
    }

    /**
     * Decodes the header at the buffer's position, or returns null with the reason in
     * {@code problem[0]} when the bytes cannot be a record header of a segment of
     * {@code segmentBytes}.
     */
    static Header decodeHeader(ByteBuffer b, long segmentBytes, String[] problem) {
        int magic = b.getInt(b.position());
        if (magic != RECORD_MAGIC) {
            problem[0] = "no record magic (found 0x" + Integer.toHexString(magic) + ")";
            return null;
        }
        int p = b.position();
        Header h = new Header(b.getInt(p + 4), b.getLong(p + 8), b.getLong(p + 16), b.getLong(p + 24), b.getLong(p + 32),
                b.getInt(p + 40), b.getInt(p + 44), b.getInt(p + 48));
        long maxPayload = segmentBytes - SEGMENT_HEADER_BYTES - RECORD_HEADER_BYTES;
        if (h.payloadLength() < 0 || h.payloadLength() > maxPayload) {
            problem[0] = "payload length " + h.payloadLength() + " out of range";
            return null;
        }
        if (h.isMarker()) {
            if (h.length() != 0 || h.payloadLength() == 0 || h.payloadLength() % MARKER_RANGE_BYTES != 0) {
                problem[0] = "malformed drain marker";
                return null;
            }
            return h;
        }
        RecordKind kind = RecordKind.ofCode(h.flags());
        if (kind == null) {
            problem[0] = "unknown record flags " + h.flags();
            return null;
        }
        boolean shapeOk = h.offset() >= 0 && h.offset() % OpLogRecord.ALIGNMENT == 0 && h.length() > 0
                && h.length() % OpLogRecord.ALIGNMENT == 0 && h.payloadLength() == (kind == RecordKind.DATA ? h.length() : 0)
                && h.epoch() >= 0 && h.sequence() >= 0;
        if (!shapeOk) {
            problem[0] = "malformed " + kind + " record header";
            return null;
        }
        return h;
    }

    /** True if {@code header} and {@code payload} (at its position, payloadLength bytes) match the stored CRC. */
    static boolean crcMatches(ByteBuffer headerBytes, Header header, ByteBuffer payload) {
        CRC32C crc = new CRC32C();
        crc.update(headerBytes.duplicate().limit(headerBytes.position() + CRC_COVERED_HEADER_BYTES));
        crc.update(payload.duplicate());
        return (int) crc.getValue() == header.crc();
    }

    /** The ranges of a drain marker's payload. */
    static List<ByteRange> markerRanges(ByteBuffer payload) {
        ByteBuffer b = payload.duplicate();
        ByteRange[] ranges = new ByteRange[b.remaining() / MARKER_RANGE_BYTES];
        for (int i = 0; i < ranges.length; i++) {
            ranges[i] = new ByteRange(b.getLong(), b.getLong());
        }
        return List.of(ranges);
    }

    static boolean allZero(byte[] bytes) {
        for (byte b : bytes) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static int crc(byte[] bytes, int from, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, from, length);
        return (int) crc.getValue();
    }
}
