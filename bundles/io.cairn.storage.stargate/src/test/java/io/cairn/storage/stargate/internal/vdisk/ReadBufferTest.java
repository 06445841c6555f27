package io.cairn.storage.stargate.internal.vdisk;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.storage.api.stargate.ContainerSpec;
import io.cairn.storage.api.stargate.VDiskIo;
import io.cairn.storage.stargate.internal.catalog.Catalog;

/**
 * Reads fill the caller's buffer in place (no staging copy): whatever the buffer held before, a
 * read returns exactly the vDisk's bytes — OpLog data, drained data from the extent store and the
 * cache, and zeros for never-written vBlocks — at the buffer's position, for heap buffers with an
 * array offset, direct buffers, and 4 KiB single-slice reads as well as unaligned ones.
 */
@Timeout(120)
class ReadBufferTest {

    private static final int MIB = 1 << 20;
    private static final int SLICE = 4096;

    @TempDir
    Path home;

    private OneNodeDataPath node;

    @AfterEach
    void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    private static byte[] pattern(long seed, int length) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Reads through a slice of a larger heap array filled with 0x5a, and through a direct buffer; both must agree. */
    private static byte[] read(VDiskIo io, long offset, int length) {
        byte[] backing = new byte[length + 300];
        Arrays.fill(backing, (byte) 0x5a);
        ByteBuffer heap = ByteBuffer.wrap(backing, 100, length + 100).slice(); // array offset 100
        heap.position(50);
        heap.limit(50 + length);
        io.read(offset, heap);
        assertThat(heap.position()).isEqualTo(50 + length);
        assertThat(Arrays.copyOfRange(backing, 0, 150)).as("nothing before the buffer's position").containsOnly(0x5a);
        assertThat(Arrays.copyOfRange(backing, 150 + length, backing.length)).as("nothing past its limit").containsOnly(0x5a);

        ByteBuffer direct = ByteBuffer.allocateDirect(length);
        io.read(offset, direct);
        byte[] fromDirect = new byte[length];
        direct.flip().get(fromDirect);
        byte[] fromHeap = Arrays.copyOfRange(backing, 150, 150 + length);
        assertThat(fromDirect).isEqualTo(fromHeap);
        return fromHeap;
    }

    @Test
    void givenOpLogDrainedAndUnwrittenRanges_whenReadIntoDirtyBuffers_thenExactlyTheVDisksBytes() throws Exception {
        node = OneNodeDataPath.open(home, UUID.randomUUID(), new io.cairn.storage.stargate.internal.vdisk.InMemoryMedusa());
        node.catalog.createContainer(new ContainerSpec("ctr", 1, 0, 0));
        Catalog.VDiskRecord r = node.catalog.createVDisk("ctr", "vd", 16L * MIB);
        VDiskIo io = node.path.open(r);
        byte[] image = new byte[16 * MIB];
        byte[] drained = pattern(1, 2 * MIB);
        io.write(MIB, ByteBuffer.wrap(drained), false); // vBlocks 1 and 2
        System.arraycopy(drained, 0, image, MIB, drained.length);
        node.drained(r);
        byte[] undrained = pattern(2, 3 * SLICE);
        io.write(2L * MIB - SLICE, ByteBuffer.wrap(undrained), false); // straddles vBlocks 1 and 2, stays in the OpLog
        System.arraycopy(undrained, 0, image, 2 * MIB - SLICE, undrained.length);

        long[][] reads = {
            {0, SLICE}, // never written
            {MIB, SLICE}, // drained, one slice: extent store, then the cache
            {MIB, SLICE},
            {MIB + 5 * SLICE, SLICE},
            {2L * MIB - SLICE, SLICE}, // OpLog
            {MIB - 512, 3 * SLICE}, // unwritten, then drained, unaligned
            {2L * MIB - 3 * SLICE - 512, 8 * SLICE}, // drained, OpLog, drained
            {3L * MIB - 2 * SLICE, 4 * SLICE}, // drained into unwritten
            {0, 4 * MIB},
        };
        for (long[] rd : reads) {
            int length = (int) rd[1];
            assertThat(read(io, rd[0], length)).as("%d bytes at %d", length, rd[0])
                    .isEqualTo(Arrays.copyOfRange(image, (int) rd[0], (int) rd[0] + length));
        }
    }
}
