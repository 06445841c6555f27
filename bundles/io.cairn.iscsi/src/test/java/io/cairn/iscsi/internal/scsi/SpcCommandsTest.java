package io.cairn.iscsi.internal.scsi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.cairn.storage.api.iscsi.LogicalUnit;

class SpcCommandsTest extends ScsiTestSupport {

    static byte[] inquiry(int evpd, int page, int alloc) {
        return cdb(Cdb.INQUIRY, evpd, page, alloc >> 8, alloc & 0xFF, 0);
    }

    @Test
    void givenStandardInquiry_thenCairnSpc4HiSupCmdQue() {
        byte[] d = data(exec(a, inquiry(0, 0, 255)));
        assertThat(d[0]).isZero();
        assertThat(d[2]).isEqualTo((byte) 0x06);
        assertThat(d[3] & 0x10).as("HISUP").isNotZero();
        assertThat(d[5] & 0x09).as("3PC, PROTECT").isZero();
        assertThat(d[7] & 0x02).as("CMDQUE").isNotZero();
        assertThat(new String(d, 8, 8, StandardCharsets.US_ASCII)).isEqualTo("CAIRN   ");
        assertThat(d[4] & 0xFF).isEqualTo(d.length - 5);
        assertThat(data(exec(a, inquiry(0, 0, 36)))).hasSize(36);
        assertSense(exec(a, inquiry(0, 0x80, 255)), 5, 0x24, 0);
    }

    @Test
    void givenUnknownLun_thenQualifier3AndReportLunsAndRequestSenseWork() {
        ScsiResult inq = target.execute(a, 5, inquiry(0, 0, 96), ByteBuffer.allocate(0), 96);
        assertThat(data(inq)[0]).isEqualTo((byte) 0x7F);
        assertGood(target.execute(a, 5, cdb(Cdb.REPORT_LUNS, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0), ByteBuffer.allocate(0), 256));
        byte[] sense = data(target.execute(a, 5, cdb(Cdb.REQUEST_SENSE, 0, 0, 0, 18, 0), ByteBuffer.allocate(0), 18));
        assertThat(sense[2] & 0x0F).isEqualTo(5);
        assertThat(sense[12]).isEqualTo((byte) 0x25);
        assertSense(target.execute(a, 5, cdb(Cdb.TEST_UNIT_READY, 0, 0, 0, 0, 0), ByteBuffer.allocate(0), 0), 5, 0x25, 0);
        assertSense(target.execute(a, 5, cdb10(Cdb.READ_10, 0, 0, 1), ByteBuffer.allocate(0), 512), 5, 0x25, 0);
    }

    @Test
    void givenVpdPages_thenSupportedListSerialAndDesignators() {
        byte[] p0 = data(exec(a, inquiry(1, 0x00, 255)));
        assertThat(Arrays.copyOfRange(p0, 4, p0.length)).containsExactly(0x00, 0x80, 0x83, 0xB0, 0xB1, 0xB2);
        byte[] p80 = data(exec(a, inquiry(1, 0x80, 255)));
        assertThat(new String(p80, 4, p80.length - 4, StandardCharsets.US_ASCII)).isEqualTo(LU_ID.replace("-", ""));
        byte[] p83 = data(exec(a, inquiry(1, 0x83, 255)));
        assertThat(p83[1]).isEqualTo((byte) 0x83);
        // first designator: NAA 6, 16 bytes, stable for the luId
        assertThat(p83[5] & 0x0F).isEqualTo(3);
        assertThat(p83[7]).isEqualTo((byte) 16);
        assertThat(p83[8] & 0xF0).isEqualTo(0x60);
        assertThat(Arrays.copyOfRange(p83, 8, 24)).isEqualTo(Inquiry.naa(LU_ID)).isNotEqualTo(Inquiry.naa("other"));
        String all = new String(p83, StandardCharsets.ISO_8859_1);
        assertThat(all).contains("CAIRN   ").contains(TARGET + ",t,0x0001");
        assertThat(types(p83)).containsExactly(0x03, 0x01, 0x98, 0x94, 0x95);
        assertSense(exec(a, inquiry(1, 0x89, 255)), 5, 0x24, 0);
    }

    private static List<Integer> types(byte[] p83) {
        List<Integer> t = new java.util.ArrayList<>();
        for (int p = 4; p < p83.length; p += 4 + (p83[p + 3] & 0xFF)) {
            t.add(p83[p + 1] & 0xFF);
        }
        return t;
    }

    @Test
    void givenBlockLimitsVpd_thenSpecValuesAndTheUnmapDeviation() {
        byte[] b0 = data(exec(a, inquiry(1, 0xB0, 255)));
        assertThat(b0).hasSize(64);
        assertThat(Cdb.u16(b0, 2)).isEqualTo(0x3C);
        assertThat(b0[5] & 0xFF).as("MAX COMPARE AND WRITE LENGTH").isEqualTo(255);
        assertThat(Cdb.u32(b0, 8)).as("MAX TRANSFER LENGTH").isEqualTo(65536);
        assertThat(Cdb.u32(b0, 12)).as("OPTIMAL TRANSFER LENGTH").isEqualTo(2048);
        assertThat(Cdb.u32(b0, 20)).as("MAX UNMAP LBA COUNT (libiscsi's sanity bound, not the spec's 4194304)").isEqualTo(1048576);
        assertThat(Cdb.u32(b0, 24)).as("MAX UNMAP DESCRIPTORS").isEqualTo(256);
        assertThat(Cdb.u32(b0, 28)).as("OPTIMAL UNMAP GRANULARITY").isEqualTo(2048);
        assertThat(Cdb.u64(b0, 36)).as("MAX WRITE SAME LENGTH").isEqualTo(4194304);
        byte[] b1 = data(exec(a, inquiry(1, 0xB1, 255)));
        assertThat(Cdb.u16(b1, 4)).isEqualTo(1);
        byte[] b2 = data(exec(a, inquiry(1, 0xB2, 255)));
        assertThat(b2[5] & 0xE0).as("LBPU LBPWS LBPWS10").isEqualTo(0xE0);
        assertThat(b2[6] & 0x07).as("thin").isEqualTo(2);
    }

    @Test
    void givenReportLuns_thenLunsListedAndSelectReportChecked() {
        ScsiTarget t = engine.target(TARGET, List.of(new LogicalUnit(0, disk, "x0"), new LogicalUnit(3, new RamVDisk(1 << 20), "x3"),
                new LogicalUnit(300, new RamVDisk(1 << 20), "x300")), store);
        byte[] rl = cdb(Cdb.REPORT_LUNS, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0);
        byte[] d = data(t.execute(a, 0, rl, ByteBuffer.allocate(0), 256));
        assertThat(Cdb.u32(d, 0)).isEqualTo(24);
        assertThat(Arrays.copyOfRange(d, 8, 10)).containsExactly(0, 0);
        assertThat(Arrays.copyOfRange(d, 16, 18)).containsExactly(0, 3);
        assertThat(Arrays.copyOfRange(d, 24, 26)).containsExactly(0x41, 0x2C);
        rl[2] = 1;
        assertThat(Cdb.u32(data(t.execute(a, 0, rl, ByteBuffer.allocate(0), 256)), 0)).isZero();
        rl[2] = 2;
        assertThat(Cdb.u32(data(t.execute(a, 0, rl, ByteBuffer.allocate(0), 256)), 0)).isEqualTo(24);
        rl[2] = 7;
        assertSense(t.execute(a, 0, rl, ByteBuffer.allocate(0), 256), 5, 0x24, 0);
    }

    @Test
    void givenModeSense6AllPages_thenCachingControlAndInformationalExceptions() {
        byte[] d = data(exec(a, cdb(Cdb.MODE_SENSE_6, 0, 0x3F, 0, 255, 0)));
        assertThat(d[0] & 0xFF).isEqualTo(d.length - 1);
        assertThat(d[3]).as("block descriptor length").isEqualTo((byte) 8);
        assertThat(Cdb.u32(d, 4)).isEqualTo(BLOCKS);
        assertThat(Cdb.u24(d, 9)).isEqualTo(512);
        int p = 12;
        assertThat(d[p]).isEqualTo((byte) 0x08);
        assertThat(d[p + 2] & 0x04).as("WCE").isZero();
        p += 2 + d[p + 1];
        assertThat(d[p]).isEqualTo((byte) 0x0A);
        assertThat(d[p + 2] & 0x04).as("D_SENSE").isZero();
        p += 2 + d[p + 1];
        assertThat(d[p]).isEqualTo((byte) 0x1C);
        assertThat(p + 2 + d[p + 1]).isEqualTo(d.length);
        assertThat(data(exec(a, cdb(Cdb.MODE_SENSE_6, 0, 0x3F, 0, 4, 0)))).hasSize(4);
    }

    @Test
    void givenModeSenseOptions_thenDbdPageControlAndTen() {
        byte[] d = data(exec(a, cdb(Cdb.MODE_SENSE_6, 0x08, 0x0A, 0, 255, 0)));
        assertThat(d).hasSize(4 + 12);
        assertThat(d[4]).isEqualTo((byte) 0x0A);
        byte[] ch = data(exec(a, cdb(Cdb.MODE_SENSE_6, 0x08, 0x40 | 0x08, 0, 255, 0)));
        assertThat(Arrays.copyOfRange(ch, 6, ch.length)).containsOnly(0);
        assertSense(exec(a, cdb(Cdb.MODE_SENSE_6, 0, 0xC0 | 0x08, 0, 255, 0)), 5, 0x39, 0);
        assertSense(exec(a, cdb(Cdb.MODE_SENSE_6, 0, 0x19, 0, 255, 0)), 5, 0x24, 0);
        byte[] ten = data(exec(a, cdb(Cdb.MODE_SENSE_10, 0x10, 0x08, 0, 0, 0, 0, 1, 0, 0)));
        assertThat(Cdb.u16(ten, 0)).isEqualTo(ten.length - 2);
        assertThat(ten[4] & 1).as("LONGLBA").isEqualTo(1);
        assertThat(Cdb.u16(ten, 6)).isEqualTo(16);
        assertThat(Cdb.u64(ten, 8)).isEqualTo(BLOCKS);
        assertThat(ten[24]).isEqualTo((byte) 0x08);
    }

    @Test
    void givenModeSelect_thenOnlyNoChangeAccepted() {
        byte[] sense = data(exec(a, cdb(Cdb.MODE_SENSE_6, 0, 0x08, 0, 255, 0)));
        byte[] params = sense.clone();
        params[0] = 0;
        params[2] = 0;
        assertGood(exec(a, cdb(Cdb.MODE_SELECT_6, 0x10, 0, 0, params.length, 0), params));
        params[12 + 2] |= 0x04; // WCE=1
        ScsiResult r = exec(a, cdb(Cdb.MODE_SELECT_6, 0x10, 0, 0, params.length, 0), params);
        assertSense(r, 5, 0x26, 0);
        assertThat(fieldPointer(r)).isEqualTo(14);
        assertSense(exec(a, cdb(Cdb.MODE_SELECT_6, 0x11, 0, 0, params.length, 0), params), 5, 0x24, 0);
        assertGood(exec(a, cdb(Cdb.MODE_SELECT_10, 0x10, 0, 0, 0, 0, 0, 0, 0, 0)));
    }

    @Test
    void givenRequestSense_thenNoSenseOrPendingUaFixedOrDescriptor() {
        byte[] s = data(exec(a, cdb(Cdb.REQUEST_SENSE, 0, 0, 0, 252, 0)));
        assertThat(s[0] & 0x7F).isEqualTo(0x70);
        assertThat(s[2] & 0x0F).isZero();
        disk.grow(SIZE * 2);
        byte[] d = data(exec(a, cdb(Cdb.REQUEST_SENSE, 1, 0, 0, 252, 0)));
        assertThat(d[0]).isEqualTo((byte) 0x72);
        assertThat(d[1]).isEqualTo((byte) 6);
        assertThat(d[2]).isEqualTo((byte) 0x2A);
        assertThat(d[3]).isEqualTo((byte) 0x09);
        assertGood(exec(a, cdb(Cdb.TEST_UNIT_READY, 0, 0, 0, 0, 0)));
    }

    @Test
    void givenVDiskGrew_thenCapacityChangedUaOncePerNexus() {
        assertGood(exec(a, cdb(Cdb.TEST_UNIT_READY, 0, 0, 0, 0, 0)));
        assertGood(exec(b, cdb(Cdb.TEST_UNIT_READY, 0, 0, 0, 0, 0)));
        disk.grow(SIZE + (1 << 20));
        // INQUIRY and REPORT LUNS are not affected by the unit attention
        assertGood(exec(a, inquiry(0, 0, 36)));
        assertSense(exec(a, cdb10(Cdb.READ_10, 0, 0, 1)), 6, 0x2A, 0x09);
        assertGood(exec(a, cdb10(Cdb.READ_10, 0, 0, 1)));
        assertSense(exec(b, cdb(Cdb.TEST_UNIT_READY, 0, 0, 0, 0, 0)), 6, 0x2A, 0x09);
        assertGood(exec(b, cdb(Cdb.TEST_UNIT_READY, 0, 0, 0, 0, 0)));
        byte[] rc = data(exec(a, cdb16(Cdb.SERVICE_ACTION_IN_16, Cdb.SA_READ_CAPACITY_16, 0, 32)));
        assertThat(Cdb.u64(rc, 0)).isEqualTo(BLOCKS + 2048 - 1);
        // a nexus that first comes after the growth sees no unit attention
        Nexus c = new Nexus("iqn.1991-05.com.example:host-c", "400001370002", TARGET, 1);
        assertGood(exec(c, cdb(Cdb.TEST_UNIT_READY, 0, 0, 0, 0, 0)));
    }

    @Test
    void givenReadsJustRan_whenTheVDiskGrowsAndAWriteGoesPastTheOldEnd_thenItGetsTheCapacityUaNotLbaOutOfRange_andTheRetryIsWritten() {
        assertGood(exec(a, cdb10(Cdb.READ_10, 0, 0, 1))); // READ and WRITE may use the size read here
        disk.grow(SIZE + (1 << 20));
        byte[] block = pattern(1, 7);
        assertSense(exec(a, cdb10(Cdb.WRITE_10, 0, BLOCKS, 1), block), 6, 0x2A, 0x09);
        assertGood(exec(a, cdb10(Cdb.WRITE_10, 0, BLOCKS, 1), block));
        assertThat(disk.bytes(SIZE, 512)).isEqualTo(block);
        assertSense(exec(a, cdb10(Cdb.READ_10, 0, BLOCKS + 2048, 1)), 5, 0x21, 0x00); // past the new end
    }

    @Test
    void givenLogicalUnitReset_thenOtherNexusesGetBusDeviceResetUa_andTargetResetPowerOnUa() {
        exec(a, cdb(Cdb.TEST_UNIT_READY, 0, 0, 0, 0, 0));
        exec(b, cdb(Cdb.TEST_UNIT_READY, 0, 0, 0, 0, 0));
        target.reset(a, 0);
        assertGood(exec(a, cdb(Cdb.TEST_UNIT_READY, 0, 0, 0, 0, 0)));
        assertSense(exec(b, cdb(Cdb.TEST_UNIT_READY, 0, 0, 0, 0, 0)), 6, 0x29, 0x03);
        assertGood(exec(b, cdb(Cdb.TEST_UNIT_READY, 0, 0, 0, 0, 0)));
        target.reset(b, -1);
        assertSense(exec(a, cdb(Cdb.TEST_UNIT_READY, 0, 0, 0, 0, 0)), 6, 0x29, 0x00);
        // a nexus that ended loses its pending unit attentions
        target.reset(a, -1);
        target.nexusEnded(b);
        assertGood(exec(b, cdb(Cdb.TEST_UNIT_READY, 0, 0, 0, 0, 0)));
    }

    @Test
    void givenUnknownOpcodeAndLegacyReserve_thenInvalidCommandOperationCode() {
        assertSense(exec(a, cdb(0xC7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)), 5, 0x20, 0);
        assertSense(exec(a, cdb(Cdb.RESERVE_6, 0, 0, 0, 0, 0)), 5, 0x20, 0);
        assertSense(exec(a, cdb(Cdb.RELEASE_6, 0, 0, 0, 0, 0)), 5, 0x20, 0);
        assertSense(exec(a, cdb16(Cdb.SERVICE_ACTION_IN_16, 0x1F, 0, 0)), 5, 0x24, 0);
        assertSense(exec(a, cdb(Cdb.READ_10, 0, 0)), 5, 0x24, 0);
    }

    @Test
    void givenReportSupportedOpcodes_thenEveryImplementedCommandListed() {
        byte[] c = cdb(Cdb.MAINTENANCE_IN, 0x0C, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0);
        byte[] d = data(exec(a, c));
        int n = (int) Cdb.u32(d, 0) / 8;
        assertThat(n).isEqualTo(SupportedOpcodes.OPS.size());
        List<Integer> ops = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            ops.add(d[4 + 8 * i] & 0xFF);
        }
        assertThat(ops).contains(0x00, 0x03, 0x12, 0x1A, 0x25, 0x28, 0x2A, 0x2F, 0x35, 0x41, 0x42, 0x5A, 0x5E, 0x5F, 0x88, 0x89, 0x8A,
                0x8F, 0x91, 0x93, 0x9E, 0xA0, 0xA3, 0xA8, 0xAA);
        // one command: supported, with its CDB usage data
        byte[] one = data(exec(a, cdb(Cdb.MAINTENANCE_IN, 0x0C, 0x01, 0x28, 0, 0, 0, 0, 1, 0, 0, 0)));
        assertThat(one[1] & 0x07).isEqualTo(3);
        assertThat(Cdb.u16(one, 2)).isEqualTo(10);
        assertThat(one[4]).isEqualTo((byte) 0x28);
        byte[] none = data(exec(a, cdb(Cdb.MAINTENANCE_IN, 0x0C, 0x01, 0xC7, 0, 0, 0, 0, 1, 0, 0, 0)));
        assertThat(none[1] & 0x07).isEqualTo(1);
        byte[] sa = data(exec(a, cdb(Cdb.MAINTENANCE_IN, 0x0C, 0x02, 0x9E, 0, 0x10, 0, 0, 1, 0, 0, 0)));
        assertThat(sa[1] & 0x07).isEqualTo(3);
        assertSense(exec(a, cdb(Cdb.MAINTENANCE_IN, 0x0C, 0x01, 0x9E, 0, 0x10, 0, 0, 1, 0, 0, 0)), 5, 0x24, 0);
        // with timeouts descriptors
        byte[] rctd = data(exec(a, cdb(Cdb.MAINTENANCE_IN, 0x0C, 0x80, 0, 0, 0, 0, 0, 0x10, 0, 0, 0)));
        assertThat(Cdb.u32(rctd, 0)).isEqualTo(20L * SupportedOpcodes.OPS.size());
    }

    @Test
    void givenClose_thenVDiskClosedAndSharedStateReleased() {
        assertThat(engine.sharedCount()).isEqualTo(1);
        target.close();
        assertThat(disk.closed).isTrue();
        assertThat(engine.sharedCount()).isZero();
    }
}
