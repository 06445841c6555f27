package io.cairn.iscsi.internal.pdu;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One iSCSI PDU (RFC 7143 §11.2): the 48-byte Basic Header Segment, the Additional Header
 * Segments and the data segment (without padding or digests, which the {@link PduCodec} adds and
 * checks). Field accessors take byte offsets into the BHS; the named ones cover the fields every
 * opcode shares. Not thread-safe.
 */
public final class Pdu {

    public static final int BHS_LENGTH = 48;
    private static final byte[] NONE = new byte[0];

    private final ByteBuffer bhs;
    private byte[] ahs = NONE;
    private ByteBuffer data = ByteBuffer.wrap(NONE);

    private Pdu(ByteBuffer bhs) {
        this.bhs = bhs;
    }

    /** A new target PDU with {@code opcode} and every other field zero. */
    public static Pdu of(int opcode) {
        Pdu pdu = new Pdu(ByteBuffer.allocate(BHS_LENGTH));
        pdu.bhs.put(0, (byte) (opcode & 0x3f));
        return pdu;
    }

    /** A PDU over a copy of a received BHS. */
    public static Pdu fromBhs(byte[] bhs) {
        if (bhs.length != BHS_LENGTH) {
            throw new IllegalArgumentException("a BHS has 48 bytes, not " + bhs.length);
        }
        return new Pdu(ByteBuffer.wrap(bhs.clone()));
    }

    public int opcode() {
        return bhs.get(0) & 0x3f;
    }

    public boolean immediate() {
        return (bhs.get(0) & 0x40) != 0;
    }

    public Pdu immediate(boolean on) {
        bhs.put(0, (byte) ((bhs.get(0) & 0x3f) | (on ? 0x40 : 0)));
        return this;
    }

    /** Byte 1: the final bit and the opcode-specific flags. */
    public int flags() {
        return bhs.get(1) & 0xff;
    }

    public Pdu flags(int flags) {
        bhs.put(1, (byte) flags);
        return this;
    }

    public boolean finalBit() {
        return (flags() & 0x80) != 0;
    }

    /** TotalAHSLength in 4-byte words, as the header says. */
    public int totalAhsWords() {
        return bhs.get(4) & 0xff;
    }

    /** DataSegmentLength as the header says. */
    public int dataSegmentLength() {
        return ((bhs.get(5) & 0xff) << 16) | ((bhs.get(6) & 0xff) << 8) | (bhs.get(7) & 0xff);
    }

    public long lun() {
        return bhs.getLong(8);
    }

    public Pdu lun(long lun) {
        bhs.putLong(8, lun);
        return this;
    }

    public int itt() {
        return bhs.getInt(16);
    }

    public Pdu itt(int itt) {
        bhs.putInt(16, itt);
        return this;
    }

    public int u8(int offset) {
        return bhs.get(offset) & 0xff;
    }

    public Pdu u8(int offset, int value) {
        bhs.put(offset, (byte) value);
        return this;
    }

    public int u16(int offset) {
        return bhs.getShort(offset) & 0xffff;
    }

    public Pdu u16(int offset, int value) {
        bhs.putShort(offset, (short) value);
        return this;
    }

    public int i32(int offset) {
        return bhs.getInt(offset);
    }

    public Pdu i32(int offset, int value) {
        bhs.putInt(offset, value);
        return this;
    }

    public byte[] bytes(int offset, int length) {
        byte[] out = new byte[length];
        bhs.get(offset, out);
        return out;
    }

    public Pdu bytes(int offset, byte[] value) {
        bhs.put(offset, value);
        return this;
    }

    /** A copy of the BHS with DataSegmentLength and TotalAHSLength as they will be sent. */
    public byte[] bhs() {
        byte[] out = new byte[BHS_LENGTH];
        bhs.get(0, out);
        int words = ahs.length / 4;
        out[4] = (byte) words;
        int dsl = data.remaining();
        out[5] = (byte) (dsl >>> 16);
        out[6] = (byte) (dsl >>> 8);
        out[7] = (byte) dsl;
        return out;
    }

    /** The AHS bytes (a multiple of 4). */
    public byte[] ahs() {
        return ahs;
    }

    public Pdu ahs(byte[] ahs) {
        if (ahs.length % 4 != 0 || ahs.length > 255 * 4) {
            throw new IllegalArgumentException("AHS length " + ahs.length + " is not a multiple of 4 up to 1020");
        }
        this.ahs = ahs;
        return this;
    }

    /** The data segment (a read-only view, positioned at its first byte). */
    public ByteBuffer data() {
        return data.asReadOnlyBuffer();
    }

    public Pdu data(ByteBuffer data) {
        if (data.remaining() > 0xffffff) {
            throw new IllegalArgumentException("a data segment has at most 16777215 bytes, not " + data.remaining());
        }
        this.data = data.slice();
        return this;
    }

    public Pdu data(byte[] data) {
        return data(ByteBuffer.wrap(data));
    }

    public byte[] dataBytes() {
        byte[] out = new byte[data.remaining()];
        data.get(data.position(), out);
        return out;
    }

    @Override
    public String toString() {
        return String.format("Pdu[op=0x%02x%s flags=0x%02x itt=0x%08x dsl=%d ahs=%d]", opcode(), immediate() ? " I" : "", flags(), itt(),
                data.remaining(), ahs.length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Pdu p && Arrays.equals(bhs(), p.bhs()) && Arrays.equals(ahs, p.ahs) && data.equals(p.data);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bhs()) * 31 + data.hashCode();
    }
}
