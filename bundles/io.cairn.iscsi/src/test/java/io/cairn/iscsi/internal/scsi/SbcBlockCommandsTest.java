package io.cairn.iscsi.internal.scsi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

import io.cairn.storage.api.stargate.StargateException;
import io.cairn.storage.api.stargate.StargateException.Reason;

class SbcBlockCommandsTest extends ScsiTestSupport {

    @Test
    void givenWrite10_whenRead10_thenSameBytes() {
        byte[] d = pattern(8, 1);
        assertGood(exec(a, cdb10(Cdb.WRITE_10, 0, 100, 8), d));
        assertThat(data(exec(a, cdb10(Cdb.READ_10, 0, 100, 8)))).isEqualTo(d);
        assertThat(disk.bytes(100 * 512, d.length)).isEqualTo(d);
    }

    @Test
    void givenWrite12And16AndRead6_whenRead12And16_thenSameBytes() {
        byte[] d = pattern(3, 7);
        assertGood(exec(a, cdb12(Cdb.WRITE_12, 0, 10, 3), d));
        assertThat(data(exec(a, cdb12(Cdb.READ_12, 0, 10, 3)))).isEqualTo(d);
        byte[] e = pattern(2, 9);
        assertGood(exec(a, cdb16(Cdb.WRITE_16, 0, BLOCKS - 2, 2), e));
        assertThat(data(exec(a, cdb16(Cdb.READ_16, 0, BLOCKS - 2, 2)))).isEqualTo(e);
        assertThat(data(exec(a, cdb(Cdb.READ_6, 0, 0, 10, 3, 0)))).isEqualTo(d);
        assertGood(exec(a, cdb(Cdb.WRITE_6, 0, 0, 20, 1, 0), pattern(1, 3)));
        assertThat(disk.bytes(20 * 512, 512)).isEqualTo(pattern(1, 3));
    }

    @Test
    void givenFuaBit_whenWrite_thenFuaPassedToVDisk() {
        assertGood(exec(a, cdb10(Cdb.WRITE_10, 0x08, 0, 1), pattern(1, 0)));
        assertGood(exec(a, cdb16(Cdb.WRITE_16, 0x10, 1, 1), pattern(1, 0))); // DPO ignored
        assertThat(disk.calls).containsExactly("write 0 512 fua", "write 512 512");
    }

    @Test
    void givenRangesPastTheEnd_whenReadOrWrite_thenLbaOutOfRange() {
        assertSense(exec(a, cdb10(Cdb.READ_10, 0, BLOCKS - 1, 2)), 5, 0x21, 0);
        assertSense(exec(a, cdb10(Cdb.READ_10, 0, BLOCKS, 1)), 5, 0x21, 0);
        assertSense(exec(a, cdb16(Cdb.READ_16, 0, -1L, 1)), 5, 0x21, 0);
        assertSense(exec(a, cdb16(Cdb.READ_16, 0, Long.MAX_VALUE, 2)), 5, 0x21, 0);
        assertSense(exec(a, cdb10(Cdb.WRITE_10, 0, BLOCKS, 1), pattern(1, 0)), 5, 0x21, 0);
        assertSense(exec(a, cdb12(Cdb.WRITE_12, 0, BLOCKS - 1, 2), pattern(2, 0)), 5, 0x21, 0);
        assertThat(disk.calls).isEmpty();
    }

    @Test
    void givenTransferLengthZero_whenReadOrWrite_thenGoodWithoutIoButRangeStillChecked() {
        ScsiResult r = exec(a, cdb10(Cdb.READ_10, 0, 0, 0));
        assertGood(r);
        assertThat(r.dataIn()).isNull();
        assertGood(exec(a, cdb10(Cdb.READ_10, 0, BLOCKS, 0)));
        assertSense(exec(a, cdb10(Cdb.READ_10, 0, BLOCKS + 1, 0)), 5, 0x21, 0);
        assertSense(exec(a, cdb10(Cdb.READ_10, 0, 0x80000000L, 0)), 5, 0x21, 0);
        assertGood(exec(a, cdb10(Cdb.WRITE_10, 0, 5, 0)));
        assertThat(disk.calls).isEmpty();
    }

    @Test
    void givenRead6WithLengthZero_thenItReads256Blocks() {
        assertThat(data(exec(a, cdb(Cdb.READ_6, 0, 0, 0, 0, 0)))).hasSize(256 * 512);
    }

    @Test
    void givenTransferOfTheMaximum32MiB_whenWrite16AndRead16_thenGoodAndSameBytes() {
        RamVDisk big = new RamVDisk(40L << 20);
        ScsiTarget t = engine.target(TARGET, java.util.List.of(new io.cairn.storage.api.iscsi.LogicalUnit(0, big, "big")), store);
        assertThat(SbcTarget.MAX_TRANSFER_BLOCKS).isEqualTo(65536);
        byte[] d = pattern(SbcTarget.MAX_TRANSFER_BLOCKS, 5);
        assertGood(t.execute(a, 0, cdb16(Cdb.WRITE_16, 0, 8, SbcTarget.MAX_TRANSFER_BLOCKS), ByteBuffer.wrap(d), 0));
        assertThat(big.calls).containsExactly("write 4096 33554432");
        ScsiResult r = t.execute(a, 0, cdb16(Cdb.READ_16, 0, 8, SbcTarget.MAX_TRANSFER_BLOCKS), ByteBuffer.allocate(0), d.length);
        assertThat(data(r)).isEqualTo(d);
        assertGood(t.execute(a, 0, cdb16(Cdb.VERIFY_16, 0x02, 8, SbcTarget.MAX_TRANSFER_BLOCKS), ByteBuffer.wrap(d), 0));
    }

    @Test
    void givenTransferAboveMaximum_thenInvalidFieldInCdbPointingAtLength() {
        ScsiTarget t = engine.target(TARGET, java.util.List.of(new io.cairn.storage.api.iscsi.LogicalUnit(0, new HugeVDisk(), "huge")),
                store);
        long n = SbcTarget.MAX_TRANSFER_BLOCKS + 1;
        for (byte[] cdb : new byte[][] {cdb16(Cdb.READ_16, 0, 0, n), cdb16(Cdb.WRITE_16, 0, 0, n), cdb16(Cdb.VERIFY_16, 0, 0, n)}) {
            ScsiResult r = t.execute(a, 0, cdb, ByteBuffer.allocate((int) n * 512), 0);
            assertSense(r, 5, 0x24, 0);
            assertThat(fieldPointer(r)).isEqualTo(10);
        }
        ScsiResult r = t.execute(a, 0, cdb12(Cdb.READ_12, 0, 0, n), ByteBuffer.allocate(0), 0);
        assertSense(r, 5, 0x24, 0);
        assertThat(fieldPointer(r)).isEqualTo(6);
    }

    @Test
    void givenProtectionField_thenInvalidFieldInCdb() {
        assertSense(exec(a, cdb10(Cdb.READ_10, 0x20, 0, 1)), 5, 0x24, 0);
    }

    @Test
    void givenLessDataOutThanTheCdbAsks_whenWrite_thenOnlyTheWholeBlocksSentAreWritten_andAPartialBlockIs0E03() {
        assertSense(exec(a, cdb10(Cdb.WRITE_10, 0, 0, 2), new byte[100]), 5, 0x0E, 0x03);
        assertGood(exec(a, cdb10(Cdb.WRITE_10, 0, 0, 1), new byte[0])); // expected transfer length 0: nothing to write
        assertThat(disk.calls).isEmpty();
        // two blocks named, one sent (libiscsi's Write10Residuals): the one is written, the second block untouched
        assertGood(exec(a, cdb10(Cdb.WRITE_10, 0, 4, 2), pattern(1, 7)));
        assertThat(disk.bytes(4 * 512, 512)).isEqualTo(pattern(1, 7));
        assertThat(disk.bytes(5 * 512, 512)).containsOnly(0);
        // more Data-Out than needed: the first blocks are written
        assertGood(exec(a, cdb10(Cdb.WRITE_10, 0, 0, 1), pattern(2, 4)));
        assertThat(disk.bytes(512, 512)).containsOnly(0);
    }

    @Test
    void givenVerifyBytchk0_thenMediumReadAndGood() {
        assertGood(exec(a, cdb10(Cdb.VERIFY_10, 0, 3, 4)));
        assertThat(disk.calls).containsExactly("read 1536 2048");
        assertGood(exec(a, cdb16(Cdb.VERIFY_16, 0, 0, 0)));
        assertSense(exec(a, cdb16(Cdb.VERIFY_16, 0, BLOCKS, 1)), 5, 0x21, 0);
    }

    @Test
    void givenVerifyBytchk1_whenDataDiffers_thenMiscompareWithOffset() {
        byte[] d = pattern(4, 2);
        assertGood(exec(a, cdb10(Cdb.WRITE_10, 0, 50, 4), d));
        assertGood(exec(a, cdb10(Cdb.VERIFY_10, 0x02, 50, 4), d));
        byte[] wrong = d.clone();
        wrong[1500] ^= 1;
        ScsiResult r = exec(a, cdb10(Cdb.VERIFY_10, 0x02, 50, 4), wrong);
        assertSense(r, 0xE, 0x1D, 0);
        assertThat(information(r)).isEqualTo(1500);
        ScsiResult r16 = exec(a, cdb16(Cdb.VERIFY_16, 0x02, 50, 4), wrong);
        assertThat(information(r16)).isEqualTo(1500);
    }

    @Test
    void givenVerifyBytchk3_thenEachBlockComparedWithTheOne() {
        exec(a, cdb16(Cdb.WRITE_SAME_16, 0, 10, 3), pattern(1, 5));
        assertGood(exec(a, cdb10(Cdb.VERIFY_10, 0x06, 10, 3), pattern(1, 5)));
        ScsiResult r = exec(a, cdb10(Cdb.VERIFY_10, 0x06, 10, 4), pattern(1, 5));
        assertSense(r, 0xE, 0x1D, 0);
        assertThat(information(r)).isEqualTo(3 * 512);
    }

    @Test
    void givenWriteSameWithPattern_thenEveryBlockHoldsIt() {
        byte[] p = pattern(1, 11);
        assertGood(exec(a, cdb10(Cdb.WRITE_SAME_10, 0, 7, 5), p));
        for (int i = 0; i < 5; i++) {
            assertThat(disk.bytes((7 + i) * 512L, 512)).isEqualTo(p);
        }
        assertThat(disk.bytes(12 * 512L, 512)).containsOnly(0);
    }

    @Test
    void givenWriteSameLargerThanAChunk_thenWrittenInPieces() {
        byte[] p = pattern(1, 12);
        assertGood(exec(a, cdb16(Cdb.WRITE_SAME_16, 0, 0, 4096), p));
        assertThat(disk.calls).containsExactly("write 0 1048576", "write 1048576 1048576");
        assertThat(disk.bytes(4095 * 512L, 512)).isEqualTo(p);
    }

    @Test
    void givenWriteSameZeroPattern_thenWriteZeroes_andWithUnmapBit_thenTrim() {
        disk.fill(0, 1 << 20, (byte) 1);
        assertGood(exec(a, cdb10(Cdb.WRITE_SAME_10, 0, 0, 8), new byte[512]));
        assertGood(exec(a, cdb10(Cdb.WRITE_SAME_10, 0x08, 8, 8), new byte[512]));
        assertGood(exec(a, cdb16(Cdb.WRITE_SAME_16, 0x08 | 0x01, 16, 8))); // NDOB
        assertThat(disk.calls).containsExactly("zero 0 4096", "trim 4096 4096", "trim 8192 4096");
        assertThat(disk.bytes(0, 24 * 512)).containsOnly(0);
    }

    @Test
    void givenWriteSameUnmapWithNonZeroPattern_thenPatternWritten() {
        assertGood(exec(a, cdb16(Cdb.WRITE_SAME_16, 0x08, 0, 2), pattern(1, 1)));
        assertThat(disk.calls).containsExactly("write 0 1024");
    }

    @Test
    void givenWriteSameEdgeCases_thenRefused() {
        assertSense(exec(a, cdb10(Cdb.WRITE_SAME_10, 0, 0, 0), new byte[512]), 5, 0x24, 0); // WSNZ
        assertSense(exec(a, cdb16(Cdb.WRITE_SAME_16, 0, 0, SbcTarget.MAX_WRITE_SAME_LENGTH + 1), new byte[512]), 5, 0x24, 0);
        assertSense(exec(a, cdb16(Cdb.WRITE_SAME_16, 0, BLOCKS - 1, 2), new byte[512]), 5, 0x21, 0);
        assertSense(exec(a, cdb16(Cdb.WRITE_SAME_16, 0x10, 0, 2), new byte[512]), 5, 0x24, 0); // ANCHOR
        assertSense(exec(a, cdb10(Cdb.WRITE_SAME_10, 0, 0, 2), new byte[100]), 5, 0x0E, 0x03);
        assertGood(exec(a, cdb16(Cdb.WRITE_SAME_16, 0x08, BLOCKS - 1, 1), new byte[512]));
    }

    @Test
    void givenWriteSameWithDataOutOtherThanOneBlock_thenInvalidFieldInCommandIuAndNothingWritten() {
        byte[] twoBlocks = pattern(2, 3);
        for (byte[] cdb : new byte[][] {cdb10(Cdb.WRITE_SAME_10, 0, 0, 1), cdb10(Cdb.WRITE_SAME_10, 0x08, 0, 1),
                cdb16(Cdb.WRITE_SAME_16, 0, 0, 1), cdb16(Cdb.WRITE_SAME_16, 0x08, 0, 1)}) {
            assertSense(exec(a, cdb, java.util.Arrays.copyOf(twoBlocks, 256)), 5, 0x0E, 0x03);
            assertSense(exec(a, cdb, twoBlocks), 5, 0x0E, 0x03);
            assertSense(exec(a, cdb, new byte[0]), 5, 0x0E, 0x03);
        }
        assertSense(exec(a, cdb16(Cdb.WRITE_SAME_16, 0x01, 0, 1), new byte[512]), 5, 0x0E, 0x03); // NDOB: no Data-Out
        assertThat(disk.calls).isEmpty();
        assertGood(exec(a, cdb10(Cdb.WRITE_SAME_10, 0, 0, 1), java.util.Arrays.copyOf(twoBlocks, 512)));
        assertThat(disk.calls).containsExactly("write 0 512");
    }

    static byte[] unmapList(long[]... ranges) {
        byte[] p = new byte[8 + 16 * ranges.length];
        Cdb.put16(p, 0, p.length - 2);
        Cdb.put16(p, 2, 16 * ranges.length);
        for (int i = 0; i < ranges.length; i++) {
            Cdb.put64(p, 8 + 16 * i, ranges[i][0]);
            Cdb.put32(p, 16 + 16 * i, ranges[i][1]);
        }
        return p;
    }

    static byte[] unmapCdb(int length) {
        return cdb10(Cdb.UNMAP, 0, 0, length);
    }

    @Test
    void givenUnmapDescriptors_thenEachRangeTrimmedWholeAndReadsZero() {
        disk.fill(0, (int) SIZE, (byte) 7);
        byte[] p = unmapList(new long[] {0, 2048}, new long[] {4000, 3}, new long[] {BLOCKS, 0});
        assertGood(exec(a, unmapCdb(p.length), p));
        assertThat(disk.calls).containsExactly("trim 0 1048576", "trim 2048000 1536");
        assertThat(data(exec(a, cdb10(Cdb.READ_10, 0, 4000, 3)))).containsOnly(0);
        assertThat(data(exec(a, cdb10(Cdb.READ_10, 0, 4003, 1)))).containsOnly(7);
    }

    @Test
    void givenUnmapEdgeCases_thenRightSenseAndNothingTrimmed() {
        assertGood(exec(a, unmapCdb(0)));
        assertGood(exec(a, unmapCdb(8), unmapList()));
        byte[] oob = unmapList(new long[] {0, 1}, new long[] {BLOCKS - 1, 2});
        assertSense(exec(a, unmapCdb(oob.length), oob), 5, 0x21, 0);
        long[][] many = new long[257][];
        for (int i = 0; i < many.length; i++) {
            many[i] = new long[] {i, 1};
        }
        byte[] tooMany = unmapList(many);
        assertSense(exec(a, unmapCdb(tooMany.length), tooMany), 5, 0x26, 0);
        assertSense(exec(a, unmapCdb(4), new byte[4]), 5, 0x1A, 0);
        assertSense(exec(a, cdb10(Cdb.UNMAP, 0x01, 0, 8), unmapList()), 5, 0x24, 0);
        assertThat(disk.calls).isEmpty();
    }

    @Test
    void givenUnmapAboveMaxLbaCount_thenInvalidFieldInParameterList() {
        ScsiTarget t = engine.target(TARGET, java.util.List.of(new io.cairn.storage.api.iscsi.LogicalUnit(0, new HugeVDisk(), "huge")),
                store);
        long half = SbcTarget.MAX_UNMAP_LBA_COUNT / 2;
        byte[] p = unmapList(new long[] {0, half}, new long[] {1L << 32, half});
        assertGood(t.execute(a, 0, unmapCdb(p.length), ByteBuffer.wrap(p), 0));
        byte[] q = unmapList(new long[] {0, half}, new long[] {1L << 32, half + 1});
        ScsiResult r = t.execute(a, 0, unmapCdb(q.length), ByteBuffer.wrap(q), 0);
        assertSense(r, 5, 0x26, 0);
        assertThat(fieldPointer(r)).isEqualTo(8 + 16 + 8);
    }

    @Test
    void givenCompareAndWriteMatching_thenWritten() {
        byte[] old = pattern(2, 1);
        exec(a, cdb10(Cdb.WRITE_10, 0, 30, 2), old);
        byte[] neu = pattern(2, 2);
        byte[] out = new byte[2048];
        System.arraycopy(old, 0, out, 0, 1024);
        System.arraycopy(neu, 0, out, 1024, 1024);
        assertGood(exec(a, compareAndWrite(30, 2), out));
        assertThat(disk.bytes(30 * 512, 1024)).isEqualTo(neu);
    }

    @Test
    void givenCompareAndWriteMiscompare_thenMiscompareWithByteOffsetAndNothingWritten() {
        exec(a, cdb10(Cdb.WRITE_10, 0, 30, 2), pattern(2, 1));
        byte[] out = new byte[2048];
        System.arraycopy(pattern(2, 1), 0, out, 0, 1024);
        out[700] ^= 0x55;
        ScsiResult r = exec(a, compareAndWrite(30, 2), out);
        assertSense(r, 0xE, 0x1D, 0);
        assertThat(information(r)).isEqualTo(700);
        assertThat(disk.bytes(30 * 512, 1024)).isEqualTo(pattern(2, 1));
    }

    @Test
    void givenCompareAndWriteEdgeCases_thenRefused() {
        assertGood(exec(a, compareAndWrite(0, 0)));
        assertSense(exec(a, compareAndWrite(BLOCKS, 1), new byte[1024]), 5, 0x21, 0);
        assertSense(exec(a, compareAndWrite(0, 1), new byte[512]), 5, 0x0E, 0x03);
        assertSense(exec(a, compareAndWrite(0, 1), new byte[2048]), 5, 0x0E, 0x03);
    }

    @Test
    void givenCompareAndWriteOfZeroBlocksWithDataOut_thenInvalidFieldInCdbAtTheLength_andWithoutDataOutGood() {
        // 256 blocks wrap to 0 in the 1-byte NUMBER OF LOGICAL BLOCKS: the initiator sends 2 x 256 blocks
        disk.fill(0, 256 * 512, (byte) 'A');
        byte[] out = new byte[2 * 256 * 512];
        java.util.Arrays.fill(out, 0, 256 * 512, (byte) 'A');
        java.util.Arrays.fill(out, 256 * 512, out.length, (byte) 'B');
        ScsiResult r = exec(a, compareAndWrite(0, 0), out);
        assertSense(r, 5, 0x24, 0);
        assertThat(fieldPointer(r)).isEqualTo(13);
        assertSense(exec(a, compareAndWrite(BLOCKS - 256, 0), out), 5, 0x24, 0);
        assertGood(exec(a, compareAndWrite(0, 0), new byte[0]));
        assertThat(disk.calls).isEmpty();
        assertThat(disk.bytes(0, 256 * 512)).containsOnly('A');
    }

    @Test
    void givenSynchronizeCache_thenFlushAndRangeChecked() {
        assertGood(exec(a, cdb10(Cdb.SYNCHRONIZE_CACHE_10, 0x02, 0, 0)));
        assertGood(exec(a, cdb16(Cdb.SYNCHRONIZE_CACHE_16, 0, 10, 10)));
        assertSense(exec(a, cdb16(Cdb.SYNCHRONIZE_CACHE_16, 0, BLOCKS + 1, 0)), 5, 0x21, 0);
        assertThat(disk.calls).containsExactly("flush", "flush");
    }

    @Test
    void givenReadCapacity10And16_thenGeometry() {
        byte[] rc10 = data(exec(a, cdb(Cdb.READ_CAPACITY_10, 0, 0, 0, 0, 0, 0, 0, 0, 0)));
        assertThat(Cdb.u32(rc10, 0)).isEqualTo(BLOCKS - 1);
        assertThat(Cdb.u32(rc10, 4)).isEqualTo(512);
        assertSense(exec(a, cdb(Cdb.READ_CAPACITY_10, 0, 0, 0, 0, 1, 0, 0, 0, 0)), 5, 0x24, 0);
        byte[] c = cdb16(Cdb.SERVICE_ACTION_IN_16, Cdb.SA_READ_CAPACITY_16, 0, 32);
        byte[] rc16 = data(exec(a, c));
        assertThat(rc16).hasSize(32);
        assertThat(Cdb.u64(rc16, 0)).isEqualTo(BLOCKS - 1);
        assertThat(Cdb.u32(rc16, 8)).isEqualTo(512);
        assertThat(rc16[13] & 0x0F).as("LBPPBE").isEqualTo(3);
        assertThat(rc16[14] & 0xC0).as("LBPME|LBPRZ").isEqualTo(0xC0);
        assertThat(data(exec(a, cdb16(Cdb.SERVICE_ACTION_IN_16, Cdb.SA_READ_CAPACITY_16, 0, 12)))).hasSize(12);
    }

    @Test
    void givenLuBeyond2TiB_thenReadCapacity10ReportsAllOnes() {
        ScsiTarget t = engine.target(TARGET, java.util.List.of(new io.cairn.storage.api.iscsi.LogicalUnit(0, new HugeVDisk(), "huge")), store);
        byte[] rc10 = data(t.execute(a, 0, cdb(Cdb.READ_CAPACITY_10, 0, 0, 0, 0, 0, 0, 0, 0, 0), ByteBuffer.allocate(0), 8));
        assertThat(Cdb.u32(rc10, 0)).isEqualTo(0xFFFFFFFFL);
    }

    @Test
    void givenGetLbaStatus_thenEverythingMappedFromTheLba() {
        byte[] d = data(exec(a, cdb16(Cdb.SERVICE_ACTION_IN_16, Cdb.SA_GET_LBA_STATUS, 100, 24)));
        assertThat(Cdb.u32(d, 0)).isEqualTo(20);
        assertThat(Cdb.u64(d, 8)).isEqualTo(100);
        assertThat(Cdb.u32(d, 16)).isEqualTo(BLOCKS - 100);
        assertThat(d[20] & 0x0F).isZero();
        assertSense(exec(a, cdb16(Cdb.SERVICE_ACTION_IN_16, Cdb.SA_GET_LBA_STATUS, BLOCKS, 24)), 5, 0x21, 0);
    }

    @Test
    void givenVDiskFailures_thenMappedSense() {
        disk.failNext = new StargateException(Reason.STORAGE_FULL, "pool full");
        assertSense(exec(a, cdb10(Cdb.WRITE_10, 0, 0, 1), pattern(1, 0)), 7, 0x27, 0x07);
        disk.failNext = new StargateException(Reason.UNAVAILABLE, "owner unreachable");
        assertSense(exec(a, cdb10(Cdb.READ_10, 0, 0, 1)), 2, 0x04, 0x01);
        disk.failNext = new StargateException(Reason.DATA_ERROR, "checksum");
        assertSense(exec(a, cdb10(Cdb.READ_10, 0, 0, 1)), 3, 0x11, 0);
        disk.failNext = new StargateException(Reason.DATA_ERROR, "checksum");
        assertSense(exec(a, cdb10(Cdb.WRITE_10, 0, 0, 1), pattern(1, 0)), 3, 0x0C, 0);
        disk.failNext = new StargateException(Reason.INVALID_REQUEST, "bug");
        assertSense(exec(a, cdb10(Cdb.READ_10, 0, 0, 1)), 4, 0x44, 0);
    }

    @Test
    void dataOutLengthHelper_givesTheCdbsDataOutLength() {
        assertThat(Cdb.dataOutLength(cdb10(Cdb.WRITE_10, 0, 0, 3))).isEqualTo(1536);
        assertThat(Cdb.dataOutLength(compareAndWrite(0, 2))).isEqualTo(2048);
        assertThat(Cdb.dataOutLength(cdb10(Cdb.VERIFY_10, 0, 0, 3))).isZero();
        assertThat(Cdb.dataOutLength(cdb10(Cdb.VERIFY_10, 0x02, 0, 3))).isEqualTo(1536);
        assertThat(Cdb.dataOutLength(cdb10(Cdb.READ_10, 0, 0, 3))).isEqualTo(-1);
    }

    /** A 4 TiB vDisk that is never read. */
    static final class HugeVDisk implements io.cairn.storage.api.stargate.VDiskIo {
        @Override
        public io.cairn.storage.api.stargate.VDisk vdisk() {
            return new io.cairn.storage.api.stargate.VDisk(java.util.UUID.randomUUID(), "huge", java.util.UUID.randomUUID(), "c",
                    4L << 40, 2, null, 0);
        }

        @Override
        public void read(long offset, ByteBuffer dst) {
        }

        @Override
        public void write(long offset, ByteBuffer src, boolean fua) {
        }

        @Override
        public void writeZeroes(long offset, long length) {
        }

        @Override
        public void trim(long offset, long length) {
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
