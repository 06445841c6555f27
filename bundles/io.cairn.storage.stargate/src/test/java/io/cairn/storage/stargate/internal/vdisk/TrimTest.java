package io.cairn.storage.stargate.internal.vdisk;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.common.internal.SystemClock;
import io.cairn.storage.api.stargate.ContainerSpec;
import io.cairn.storage.api.stargate.VDiskIo;
import io.cairn.storage.stargate.internal.catalog.Catalog;
import io.cairn.storage.stargate.internal.oplog.OpLogConfig;
import io.cairn.storage.stargate.internal.oplog.OpLogRecord;
import io.cairn.storage.stargate.internal.oplog.OpLogStore;

/**
 * UNMAP on the data path (spec 50 §1): trims read as zeros at once and after their drain; the drain
 * removes whole vBlocks from the block map and zeroes partial ones; writes and trims to the same
 * range apply in the order they arrived, across drains and across a restart that replays the
 * OpLog; the owner frees extent groups no vBlock maps, and only those.
 */
@Timeout(120)
class TrimTest {

    private static final int MIB = 1 << 20;

    @TempDir
    Path home;

    private OneNodeDataPath node;

    @AfterEach
    void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    private Catalog.VDiskRecord vdisk(long size) {
        node.catalog.createContainer(new ContainerSpec("ctr", 1, 0, 0));
        return node.catalog.createVDisk("ctr", "vd", size);
    }

    private static byte[] pattern(long seed, int length) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        b[0] = 1;
        return b;
    }

    private static byte[] read(VDiskIo io, long offset, int length) {
        ByteBuffer dst = ByteBuffer.allocate(length);
        io.read(offset, dst);
        return dst.array();
    }

    private VDiskMeta meta(Catalog.VDiskRecord r) {
        return new VDiskMeta(node.medusa, r.uuid());
    }

    @Test
    void givenWrittenVBlocks_whenTrimmed_thenZerosAtOnceAndAfterDrain_andTheirGroupsAreFreedWithTheirSpace() throws Exception {
        node = OneNodeDataPath.open(home, UUID.randomUUID(), new InMemoryMedusa());
        Catalog.VDiskRecord r = vdisk(64L * MIB);
        VDiskIo io = node.path.open(r);
        byte[] data = pattern(1, 8 * MIB);
        io.write(0, ByteBuffer.wrap(data), false);
        node.drained(r);
        assertThat(meta(r).blocks()).hasSize(8);
        assertThat(meta(r).egroups()).hasSize(2);
        long usedBefore = node.used();
        assertThat(usedBefore).isEqualTo(8L * MIB);

        io.trim(0, 8L * MIB);
        assertThat(read(io, 0, 8 * MIB)).as("zeros before the drain").isEqualTo(new byte[8 * MIB]);
        node.drained(r);

        assertThat(read(io, 0, 8 * MIB)).as("zeros after the drain").isEqualTo(new byte[8 * MIB]);
        assertThat(meta(r).blocks()).as("whole vBlocks are unmapped").isEmpty();
        List<Long> garbage = node.path.unreferenced(r.uuid());
        assertThat(garbage).containsExactlyInAnyOrderElementsOf(meta(r).egroups());
        assertThat(node.used()).as("nothing freed before Curator asks").isEqualTo(usedBefore);

        assertThat(node.path.reclaim(r, garbage)).containsExactlyInAnyOrderElementsOf(garbage);

        assertThat(meta(r).egroups()).isEmpty();
        assertThat(node.path.estore().list()).isEmpty();
        assertThat(node.used()).isZero();
        assertThat(read(io, 0, 8 * MIB)).isEqualTo(new byte[8 * MIB]);
        // and the vDisk takes new data afterwards
        io.write(3L * MIB, ByteBuffer.wrap(Arrays.copyOf(data, MIB)), false);
        node.drained(r);
        assertThat(read(io, 3L * MIB, MIB)).isEqualTo(Arrays.copyOf(data, MIB));
    }

    @Test
    void givenPartialTrim_thenTheRangeIsZeroedInPlace_andTheVBlockStaysMapped() throws Exception {
        node = OneNodeDataPath.open(home, UUID.randomUUID(), new InMemoryMedusa());
        Catalog.VDiskRecord r = vdisk(16L * MIB);
        VDiskIo io = node.path.open(r);
        byte[] data = pattern(2, MIB);
        io.write(0, ByteBuffer.wrap(data), false);
        node.drained(r);

        io.trim(4096, MIB - 8192);
        node.drained(r);

        byte[] expected = new byte[MIB];
        System.arraycopy(data, 0, expected, 0, 4096);
        System.arraycopy(data, MIB - 4096, expected, MIB - 4096, 4096);
        assertThat(read(io, 0, MIB)).isEqualTo(expected);
        assertThat(meta(r).blocks()).containsExactly(0L);
        assertThat(node.path.unreferenced(r.uuid())).isEmpty();
    }

    @Test
    void givenTrimOfNeverWrittenVBlocks_thenNothingIsAllocated() throws Exception {
        node = OneNodeDataPath.open(home, UUID.randomUUID(), new InMemoryMedusa());
        Catalog.VDiskRecord r = vdisk(16L * MIB);
        VDiskIo io = node.path.open(r);

        io.trim(0, 3L * MIB + 4096);
        io.writeZeroes(5L * MIB, 8192);
        node.drained(r);

        assertThat(meta(r).blocks()).isEmpty();
        assertThat(meta(r).egroups()).isEmpty();
        assertThat(node.used()).isZero();
    }

    @Test
    void givenWritesAndTrimsToTheSameRanges_thenTheLastOneWins_beforeAndAfterEachDrain() throws Exception {
        node = OneNodeDataPath.open(home, UUID.randomUUID(), new InMemoryMedusa());
        Catalog.VDiskRecord r = vdisk(16L * MIB);
        VDiskIo io = node.path.open(r);
        byte[] a = pattern(3, 2 * MIB);
        byte[] b = pattern(4, 8192);
        io.write(0, ByteBuffer.wrap(a), false);
        node.drained(r);

        // write after a trim: the write wins, in the OpLog and after the drain (vBlock 1 is mapped again, fresh)
        io.trim(0, 2L * MIB);
        io.write(MIB + 65536, ByteBuffer.wrap(b), false);
        // trim after a write, both undrained: the trim wins, and the vBlock never gets an extent
        io.write(4L * MIB, ByteBuffer.wrap(Arrays.copyOf(a, MIB)), false);
        io.trim(4L * MIB, MIB);
        byte[] expected = new byte[2 * MIB];
        System.arraycopy(b, 0, expected, MIB + 65536, b.length);
        assertThat(read(io, 0, 2 * MIB)).isEqualTo(expected);
        assertThat(read(io, 4L * MIB, MIB)).isEqualTo(new byte[MIB]);
        node.drained(r);

        assertThat(read(io, 0, 2 * MIB)).isEqualTo(expected);
        assertThat(read(io, 4L * MIB, MIB)).isEqualTo(new byte[MIB]);
        assertThat(meta(r).blocks()).containsExactly(1L);
    }

    @Test
    void givenAGroupWithAMappedVBlock_thenReclaimLeavesItAlone() throws Exception {
        node = OneNodeDataPath.open(home, UUID.randomUUID(), new InMemoryMedusa());
        Catalog.VDiskRecord r = vdisk(16L * MIB);
        VDiskIo io = node.path.open(r);
        byte[] data = pattern(5, 4 * MIB);
        io.write(0, ByteBuffer.wrap(data), false);
        node.drained(r);
        List<Long> groups = meta(r).egroups();
        assertThat(groups).hasSize(1);

        io.trim(0, 3L * MIB);
        node.drained(r);

        assertThat(node.path.unreferenced(r.uuid())).isEmpty();
        assertThat(node.path.reclaim(r, groups)).as("a stale or wrong request frees nothing still mapped").isEmpty();
        assertThat(meta(r).egroups()).isEqualTo(groups);
        assertThat(read(io, 3L * MIB, MIB)).isEqualTo(Arrays.copyOfRange(data, 3 * MIB, 4 * MIB));
    }

    @Test
    void givenAnUnreferencedOpenGroup_whenAWriteMapsAVBlockIntoItBeforeTheReclaim_thenItIsKept() throws Exception {
        node = OneNodeDataPath.open(home, UUID.randomUUID(), new InMemoryMedusa());
        Catalog.VDiskRecord r = vdisk(16L * MIB);
        VDiskIo io = node.path.open(r);
        io.write(0, ByteBuffer.wrap(pattern(6, 2 * MIB)), false); // two of the group's four slots
        node.drained(r);
        io.trim(0, 2L * MIB);
        node.drained(r);
        List<Long> seenByTheScan = node.path.unreferenced(r.uuid());
        assertThat(seenByTheScan).hasSize(1);

        // the group still has free slots: the next new vBlock goes there
        byte[] later = pattern(7, MIB);
        io.write(9L * MIB, ByteBuffer.wrap(later), false);
        node.drained(r);
        assertThat(meta(r).block(9).orElseThrow().eg()).isEqualTo(seenByTheScan.getFirst());

        assertThat(node.path.reclaim(r, seenByTheScan)).isEmpty();
        assertThat(read(io, 9L * MIB, MIB)).isEqualTo(later);
        assertThat(node.used()).isGreaterThan(0);
    }

    @Test
    void givenTrimAndLaterWriteLeftInTheOpLogByACrash_whenTheNodeRestarts_thenTheReplayAppliesThemInOrder() throws Exception {
        InMemoryMedusa medusa = new InMemoryMedusa();
        UUID self = UUID.randomUUID();
        node = OneNodeDataPath.open(home, self, medusa);
        Catalog.VDiskRecord r = vdisk(16L * MIB);
        VDiskIo io = node.path.open(r);
        byte[] data = pattern(8, 2 * MIB);
        io.write(0, ByteBuffer.wrap(data), false);
        node.drained(r);
        long epoch = meta(r).owner().orElseThrow().value().epoch();
        node.close();
        node = null;

        // what an owner acknowledged and then died before draining: trim both vBlocks, then write 8 KiB into the second
        byte[] b = pattern(9, 8192);
        SystemClock clock = SystemClock.withDefaults();
        try (OpLogStore oplog = OpLogStore.open(new OpLogConfig(home.resolve("oplog"), 64L << 20, DataPath.OPLOG_SEGMENT_BYTES, 6L << 30),
                clock)) {
            oplog.append(OpLogRecord.trim(r.id(), epoch, 1_000_000, 0, 2 * MIB), OneNodeDataPath.WAIT).get();
            oplog.append(OpLogRecord.data(r.id(), epoch, 1_000_001, MIB + 8192, b), OneNodeDataPath.WAIT).get();
        } finally {
            clock.close();
        }

        node = OneNodeDataPath.open(home, self, medusa);
        io = node.path.open(r);
        byte[] expected = new byte[2 * MIB];
        System.arraycopy(b, 0, expected, MIB + 8192, b.length);
        assertThat(read(io, 0, 2 * MIB)).as("replayed under the new epoch").isEqualTo(expected);
        assertThat(meta(r).owner().orElseThrow().value().epoch()).isGreaterThan(epoch);
        node.drained(r);

        assertThat(read(io, 0, 2 * MIB)).isEqualTo(expected);
        assertThat(meta(r).blocks()).as("vBlock 0 unmapped, vBlock 1 written after its trim").containsExactly(1L);
    }
}
