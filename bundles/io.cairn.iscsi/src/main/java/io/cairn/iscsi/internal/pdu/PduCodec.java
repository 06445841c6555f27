package io.cairn.iscsi.internal.pdu;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Reads and writes PDUs on a byte stream (RFC 7143 §11): BHS, AHS, optional CRC32C header digest,
 * data segment padded to 4 bytes, optional CRC32C data digest. Digests are sent little-endian, as
 * every initiator does. Reading never allocates more than the negotiated MaxRecvDataSegmentLength
 * for a data segment, and never throws anything but {@link IOException} (the peer went away) and
 * {@link PduException} (the PDU is malformed).
 */
public final class PduCodec {

    /** How many consecutive read timeouts a PDU may stall for before the connection is dropped. */
    private static final int MAX_STALLS = 4;

    private PduCodec() {
    }

    /**
     * What the receiving side accepts.
     *
     * @param maxDataSegment the MaxRecvDataSegmentLength the target declared
     * @param headerDigest   CRC32C header digests negotiated
     * @param dataDigest     CRC32C data digests negotiated
     */
    public record Limits(int maxDataSegment, boolean headerDigest, boolean dataDigest) {
    }

    /**
     * Reads one PDU. Returns null on a clean end of stream before its first byte. A read timeout
     * before the first byte ({@link SocketTimeoutException}) leaves the stream untouched: the
     * caller may use it as an idle tick and read again.
     */
    public static Pdu read(InputStream in, Limits limits) throws IOException, PduException {
        return read(in, limits, true);
    }

    /**
     * Reads one PDU sent by a target (the initiator side, e.g. the redirector's portal probe):
     * as {@link #read(InputStream, Limits)}, but the opcode must be a target opcode and AHS is not checked.
     */
    public static Pdu readFromTarget(InputStream in, Limits limits) throws IOException, PduException {
        return read(in, limits, false);
    }

    private static Pdu read(InputStream in, Limits limits, boolean fromInitiator) throws IOException, PduException {
        byte[] bhs = new byte[Pdu.BHS_LENGTH];
        int first = readFully(in, bhs, 0, bhs.length, true);
        if (first < 0) {
            return null;
        }
        Pdu pdu = Pdu.fromBhs(bhs);
        int ahsLength = pdu.totalAhsWords() * 4;
        int dsl = pdu.dataSegmentLength();
        if (dsl > limits.maxDataSegment()) {
            throw new PduException("data segment of " + dsl + " bytes exceeds MaxRecvDataSegmentLength " + limits.maxDataSegment(),
                    Opcode.REJECT_PROTOCOL_ERROR, bhs, true);
        }
        byte[] ahs = new byte[ahsLength];
        readFully(in, ahs, 0, ahsLength, false);
        if (limits.headerDigest()) {
            byte[] digest = new byte[4];
            readFully(in, digest, 0, 4, false);
            CRC32C crc = new CRC32C();
            crc.update(bhs);
            crc.update(ahs);
            if (littleEndian(digest) != (int) crc.getValue()) {
                // ERL 0: a header digest error leaves nothing trustworthy, not even the length
                throw new PduException("header digest error", Opcode.REJECT_PROTOCOL_ERROR, null, true);
            }
        }
        int padded = (dsl + 3) & ~3;
        byte[] data = new byte[padded];
        readFully(in, data, 0, padded, false);
        if (dsl > 0 && limits.dataDigest()) {
            byte[] digest = new byte[4];
            readFully(in, digest, 0, 4, false);
            CRC32C crc = new CRC32C();
            crc.update(data);
            if (littleEndian(digest) != (int) crc.getValue()) {
                throw new PduException("data digest error", Opcode.REJECT_DATA_DIGEST, bhs, false);
            }
        }
        if (Opcode.isInitiatorOpcode(pdu.opcode()) != fromInitiator) {
            throw new PduException(String.format("opcode 0x%02x is not %s opcode", pdu.opcode(), fromInitiator ? "an initiator" : "a target"),
                    Opcode.REJECT_COMMAND_NOT_SUPPORTED, bhs, false);
        }
        if (fromInitiator && ahsLength > 0 && pdu.opcode() != Opcode.SCSI_COMMAND) {
            throw new PduException(String.format("opcode 0x%02x carries no AHS", pdu.opcode()), Opcode.REJECT_PROTOCOL_ERROR, bhs,
                    false);
        }
        pdu.ahs(ahs);
        pdu.data(ByteBuffer.wrap(data, 0, dsl));
        return pdu;
    }

    /** The PDU as it goes on the wire: header (BHS, AHS, digest) and data (padded, digest). */
    public static ByteBuffer[] encode(Pdu pdu, boolean headerDigest, boolean dataDigest) {
        byte[] bhs = pdu.bhs();
        byte[] ahs = pdu.ahs();
        ByteBuffer header = ByteBuffer.allocate(bhs.length + ahs.length + (headerDigest ? 4 : 0));
        header.put(bhs).put(ahs);
        if (headerDigest) {
            CRC32C crc = new CRC32C();
            crc.update(bhs);
            crc.update(ahs);
            header.put(littleEndian((int) crc.getValue()));
        }
        header.flip();
        ByteBuffer data = pdu.data();
        int dsl = data.remaining();
        if (dsl == 0) {
            return new ByteBuffer[] {header};
        }
        int pad = (4 - (dsl & 3)) & 3;
        ByteBuffer trailer = ByteBuffer.allocate(pad + (dataDigest ? 4 : 0));
        trailer.put(new byte[pad]);
        if (dataDigest) {
            CRC32C crc = new CRC32C();
            crc.update(data.duplicate());
            crc.update(new byte[pad]);
            trailer.put(littleEndian((int) crc.getValue()));
        }
        trailer.flip();
        return new ByteBuffer[] {header, data, trailer};
    }

    /** {@link #encode} into one array (tests, small PDUs). */
    public static byte[] toBytes(Pdu pdu, boolean headerDigest, boolean dataDigest) {
        ByteBuffer[] parts = encode(pdu, headerDigest, dataDigest);
        int total = 0;
        for (ByteBuffer b : parts) {
            total += b.remaining();
        }
        ByteBuffer out = ByteBuffer.allocate(total);
        for (ByteBuffer b : parts) {
            out.put(b);
        }
        return out.array();
    }

    /**
     * Fills {@code buf[off, off+len)}. Returns -1 on end of stream before the first byte when
     * {@code boundary}; a timeout before the first byte of a boundary read propagates, later ones
     * are retried up to {@link #MAX_STALLS} times.
     */
    private static int readFully(InputStream in, byte[] buf, int off, int len, boolean boundary) throws IOException {
        int done = 0;
        int stalls = 0;
        while (done < len) {
            int n;
            try {
                n = in.read(buf, off + done, len - done);
            } catch (SocketTimeoutException e) {
                if (boundary && done == 0) {
                    throw e;
                }
                if (++stalls > MAX_STALLS) {
                    throw new IOException("the initiator stalled in the middle of a PDU", e);
                }
                continue;
            }
            if (n < 0) {
                if (boundary && done == 0) {
                    return -1;
                }
                throw new EOFException("connection closed in the middle of a PDU");
            }
            done += n;
            stalls = 0;
        }
        return done;
    }

    private static int littleEndian(byte[] b) {
        return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
    }

    private static byte[] littleEndian(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }
}
