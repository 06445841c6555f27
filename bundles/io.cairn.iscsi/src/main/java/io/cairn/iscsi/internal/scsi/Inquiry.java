package io.cairn.iscsi.internal.scsi;

import static io.cairn.iscsi.internal.scsi.Cdb.put16;
import static io.cairn.iscsi.internal.scsi.Cdb.put32;
import static io.cairn.iscsi.internal.scsi.Cdb.put64;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** INQUIRY data: standard (SPC-4 §6.6.2) and the VPD pages 0x00, 0x80, 0x83, 0xB0, 0xB1, 0xB2. */
final class Inquiry {

    static final String VENDOR = "CAIRN";
    static final String PRODUCT = "VDISK";
    static final String REVISION = "0100";

    /**
     * The IEEE company id of NAA designators: a locally administered CID (X bit set), since Cairn has
     * no registered OUI; the 100 vendor-specific bits come from the luId.
     */
    static final int NAA_COMPANY_ID = 0xCA141E;

    static final int[] VPD_PAGES = {0x00, 0x80, 0x83, 0xB0, 0xB1, 0xB2};

    private Inquiry() {
    }

    /** Standard INQUIRY data; {@code present} false: peripheral qualifier 3, device type 0x1F. */
    static byte[] standard(boolean present) {
        byte[] d = new byte[96];
        d[0] = (byte) (present ? 0x00 : 0x7F);
        d[2] = 0x06; // SPC-4
        d[3] = 0x12; // HISUP, response data format 2
        d[4] = (byte) (d.length - 5);
        d[5] = 0x00; // SCCS 0, ACC 0, TPGS 00, 3PC 0, PROTECT 0
        d[6] = 0x00;
        d[7] = 0x02; // CMDQUE
        ascii(d, 8, 8, VENDOR);
        ascii(d, 16, 16, PRODUCT);
        ascii(d, 32, 4, REVISION);
        // version descriptors: SAM-5, iSCSI, SPC-4, SBC-3
        put16(d, 58, 0x00A0);
        put16(d, 60, 0x0960);
        put16(d, 62, 0x0460);
        put16(d, 64, 0x04C0);
        return d;
    }

    /** A VPD page of a present logical unit; null when the page is not supported. */
    static byte[] vpd(int page, String luId, Nexus nexus, long blocks) {
        return switch (page) {
            case 0x00 -> supportedPages();
            case 0x80 -> serial(luId);
            case 0x83 -> identification(luId, nexus);
            case 0xB0 -> blockLimits();
            case 0xB1 -> characteristics();
            case 0xB2 -> provisioning();
            default -> null;
        };
    }

    private static byte[] supportedPages() {
        byte[] d = new byte[4 + VPD_PAGES.length];
        d[1] = 0x00;
        put16(d, 2, VPD_PAGES.length);
        for (int i = 0; i < VPD_PAGES.length; i++) {
            d[4 + i] = (byte) VPD_PAGES[i];
        }
        return d;
    }

    /** The unit serial number: the luId's letters and digits. */
    static String serialOf(String luId) {
        StringBuilder s = new StringBuilder();
        for (char c : luId.toCharArray()) {
            if (c < 0x7F && Character.isLetterOrDigit(c)) {
                s.append(c);
            }
        }
        return s.isEmpty() ? "0" : s.toString();
    }

    private static byte[] serial(String luId) {
        byte[] sn = serialOf(luId).getBytes(StandardCharsets.US_ASCII);
        byte[] d = new byte[4 + sn.length];
        d[1] = (byte) 0x80;
        put16(d, 2, sn.length);
        System.arraycopy(sn, 0, d, 4, sn.length);
        return d;
    }

    /** The 16-byte NAA IEEE Registered Extended designator of {@code luId}. */
    static byte[] naa(String luId) {
        byte[] h;
        try {
            h = MessageDigest.getInstance("SHA-256").digest(luId.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] n = new byte[16];
        // NAA 6 | company id (24 bits) | vendor specific id (36 bits) | extension (64 bits)
        n[0] = (byte) (0x60 | (NAA_COMPANY_ID >>> 20) & 0x0F);
        n[1] = (byte) (NAA_COMPANY_ID >>> 12);
        n[2] = (byte) (NAA_COMPANY_ID >>> 4);
        n[3] = (byte) ((NAA_COMPANY_ID & 0x0F) << 4 | (h[0] & 0x0F));
        System.arraycopy(h, 1, n, 4, 12);
        return n;
    }

    private static byte[] identification(String luId, Nexus nexus) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // NAA, logical unit, binary
        designator(out, 0x01, 0x03, naa(luId));
        // T10 vendor id, logical unit, ASCII
        byte[] t10 = new byte[8 + serialOf(luId).length()];
        ascii(t10, 0, 8, VENDOR);
        ascii(t10, 8, t10.length - 8, serialOf(luId));
        designator(out, 0x02, 0x01, t10);
        // SCSI name string of the target port, iSCSI, UTF-8, PIV
        byte[] name = nexus.targetPort().getBytes(StandardCharsets.UTF_8);
        byte[] padded = new byte[(name.length + 1 + 3) & ~3];
        System.arraycopy(name, 0, padded, 0, name.length);
        designator(out, 0x53, 0x80 | 0x10 | 0x08, padded);
        // relative target port, iSCSI, binary, PIV
        byte[] rel = new byte[4];
        put16(rel, 2, PersistentReservations.RELATIVE_TARGET_PORT);
        designator(out, 0x51, 0x80 | 0x10 | 0x04, rel);
        // target port group, binary
        byte[] tpg = new byte[4];
        put16(tpg, 2, 1);
        designator(out, 0x51, 0x80 | 0x10 | 0x05, tpg);
        byte[] body = out.toByteArray();
        byte[] d = new byte[4 + body.length];
        d[1] = (byte) 0x83;
        put16(d, 2, body.length);
        System.arraycopy(body, 0, d, 4, body.length);
        return d;
    }

    private static void designator(ByteArrayOutputStream out, int protocolAndCodeSet, int pivAssocType, byte[] value) {
        out.write(protocolAndCodeSet);
        out.write(pivAssocType);
        out.write(0);
        out.write(value.length);
        out.writeBytes(value);
    }

    private static byte[] blockLimits() {
        byte[] d = new byte[64];
        d[1] = (byte) 0xB0;
        put16(d, 2, 0x3C);
        d[4] = 0x01; // WSNZ: WRITE SAME with 0 blocks is refused
        d[5] = (byte) SbcTarget.MAX_COMPARE_AND_WRITE_LENGTH;
        put16(d, 6, SbcTarget.PHYSICAL_BLOCK / SbcTarget.BLOCK);
        put32(d, 8, SbcTarget.MAX_TRANSFER_BLOCKS);
        put32(d, 12, SbcTarget.OPTIMAL_TRANSFER_BLOCKS);
        put32(d, 20, SbcTarget.MAX_UNMAP_LBA_COUNT);
        put32(d, 24, SbcTarget.MAX_UNMAP_DESCRIPTORS);
        put32(d, 28, SbcTarget.OPTIMAL_UNMAP_GRANULARITY);
        d[32] = (byte) 0x80; // UGAVALID, alignment 0
        put64(d, 36, SbcTarget.MAX_WRITE_SAME_LENGTH);
        return d;
    }

    private static byte[] characteristics() {
        byte[] d = new byte[64];
        d[1] = (byte) 0xB1;
        put16(d, 2, 0x3C);
        put16(d, 4, 0x0001); // non-rotating medium
        return d;
    }

    private static byte[] provisioning() {
        byte[] d = new byte[8];
        d[1] = (byte) 0xB2;
        put16(d, 2, 4);
        d[5] = (byte) (0x80 | 0x40 | 0x20 | 0x04); // LBPU, LBPWS, LBPWS10, LBPRZ
        d[6] = 0x02; // provisioning type: thin
        return d;
    }

    private static void ascii(byte[] d, int at, int width, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < width; i++) {
            d[at + i] = i < b.length ? b[i] : (byte) ' ';
        }
    }
}
