package io.cairn.storage.stargate.internal.oplog;

import static io.cairn.storage.stargate.internal.oplog.OpLogFixture.WAIT;
import static io.cairn.storage.stargate.internal.oplog.OpLogFixture.pattern;
import static io.cairn.storage.stargate.internal.oplog.OpLogFixture.smallSegments;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.cairn.common.internal.SystemClock;

/** Single-threaded behaviour of the OpLog store: overlay reads, drain, zero writes, fencing. */
@Timeout(120)
class OpLogStoreTest {

    private static final long VDISK = 7;
    private static final int SECTOR = OpLogRecord.ALIGNMENT;

    @TempDir
    Path dir;

    private SystemClock clock;
    private OpLogStore store;

    @BeforeEach
    void start() {
        clock = SystemClock.withDefaults();
    }

    @AfterEach
    void stop() throws Exception {
        if (store != null) {
            store.close();
        }
        clock.close();
    }

    /**
     * Random data, zero and trim writes of 512 B to 64 KiB, small writes inside large ones, drains
     * with writes racing them, and reopens, checked after every step against a reference byte array
     * (what a read must return) and a model extent store (what drains wrote).
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void givenRandomOverlappingWrites_whenReadDrainedAndReopened_thenMatchesReferenceModel(long seed) throws Exception {
        int diskBytes = 3 << 20; // crosses extent boundaries
        byte[] reference = new byte[diskBytes];
        byte[] extentStore = new byte[diskBytes];
        Random random = new Random(seed);
        OpLogConfig config = smallSegments(dir, 64L << 20);
        store = OpLogStore.open(config, clock);
        long sequence = 0;
        for (int step = 0; step < 300; step++) {
            int op = random.nextInt(100);
            if (op < 75) {
                sequence++;
                write(randomWrite(random, diskBytes, sequence), reference);
            } else if (op < 87) {
                DrainBatch batch = store.drainable(VDISK, (1 + random.nextInt(4)) * 256L << 10);
                for (DrainExtent extent : batch.extents()) {
                    System.arraycopy(extent.data(), 0, extentStore, (int) extent.offset(), extent.data().length);
                }
                if (random.nextBoolean()) { // a write lands while the batch is on its way to the extent store
                    sequence++;
                    write(randomWrite(random, diskBytes, sequence), reference);
                }
                store.markDrained(batch, WAIT);
            } else if (op < 97) {
                int offset = random.nextInt(diskBytes / SECTOR) * SECTOR;
                int length = 1 + random.nextInt(Math.min(diskBytes - offset, 256 << 10));
                assertReadMatches(offset, length, reference, extentStore);
            } else {
                store.close();
                store = OpLogStore.open(config, clock);
            }
        }
        assertReadMatches(0, diskBytes, reference, extentStore);
        store.close();
        store = OpLogStore.open(config, clock);
        assertReadMatches(0, diskBytes, reference, extentStore);

        drainAll(extentStore);
        assertThat(extentStore).isEqualTo(reference);
        assertThat(store.undrainedBytes(VDISK)).isZero();
        assertThat(store.vdisks()).isEmpty();
        assertThat(store.stats().bytesLive()).isZero();
        assertThat(store.stats().segments()).as("only the active segment is left").isLessThanOrEqualTo(1);
    }

    @Test
    void givenSmallWriteInsideLargeWrite_whenRead_thenExactSubRangeOverlay() throws Exception {
        store = OpLogStore.open(smallSegments(dir, 64L << 20), clock);
        byte[] large = pattern(VDISK, 1, 64 << 10);
        byte[] small = pattern(VDISK, 2, 4 << 10);
        store.appendDurably(OpLogRecord.data(VDISK, 1, 1, 1 << 20, large), WAIT);
        store.appendDurably(OpLogRecord.data(VDISK, 1, 2, (1 << 20) + (8 << 10), small), WAIT);

        ReadResult read = store.read(VDISK, (1 << 20) - 4096, 72 << 10);

        byte[] expected = new byte[72 << 10];
        System.arraycopy(large, 0, expected, 4096, large.length);
        System.arraycopy(small, 0, expected, 4096 + (8 << 10), small.length);
        assertThat(read.data()).isEqualTo(expected);
        assertThat(read.fromOpLog()).containsExactly(new ByteRange(1 << 20, 64 << 10));
        assertThat(read.notInOpLog()).containsExactly(new ByteRange((1 << 20) - 4096, 4096), new ByteRange((1 << 20) + (64 << 10), 4096));
    }

    @Test
    void givenCallersBuffer_whenReadInto_thenOpLogBytesLandAtItsOffsetAndTheRestIsLeftAlone() throws Exception {
        store = OpLogStore.open(smallSegments(dir, 64L << 20), clock);
        byte[] large = pattern(VDISK, 1, 64 << 10);
        byte[] small = pattern(VDISK, 2, 4 << 10);
        store.appendDurably(OpLogRecord.data(VDISK, 1, 1, 1 << 20, large), WAIT);
        store.appendDurably(OpLogRecord.data(VDISK, 1, 2, (1 << 20) + (8 << 10), small), WAIT);
        byte[] into = new byte[100 + (72 << 10) + 50];
        Arrays.fill(into, (byte) 0x5a);

        ReadResult read = store.readInto(VDISK, (1 << 20) - 4096, 72 << 10, into, 100);

        byte[] expected = into.clone();
        Arrays.fill(expected, (byte) 0x5a);
        System.arraycopy(large, 0, expected, 100 + 4096, large.length);
        System.arraycopy(small, 0, expected, 100 + 4096 + (8 << 10), small.length);
        assertThat(into).as("OpLog bytes at their places, the ranges not in the OpLog untouched").isEqualTo(expected);
        assertThat(read.data()).isSameAs(into);
        assertThat(read.notInOpLog()).containsExactly(new ByteRange((1 << 20) - 4096, 4096), new ByteRange((1 << 20) + (64 << 10), 4096));
        assertThatThrownBy(() -> store.readInto(VDISK, 0, 4096, new byte[4096], 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no room");
    }

    @Test
    void givenDrainBatch_whenNewerWritesArriveBeforeMarkDrained_thenOnlySnapshotReleasedAndStateSurvivesReopen() throws Exception {
        OpLogConfig config = smallSegments(dir, 64L << 20);
        store = OpLogStore.open(config, clock);
        for (int i = 0; i < 48; i++) { // 3 MiB of 64 KiB writes over 3 extents
            store.appendDurably(OpLogRecord.data(VDISK, 1, i, i * (64L << 10), pattern(VDISK, i, 64 << 10)), WAIT);
        }
        int segmentsBefore = store.stats().segments();
        DrainBatch batch = store.drainable(VDISK, 1 << 20);
        assertThat(batch.extents()).hasSize(1);
        assertThat(batch.extents().getFirst().range()).isEqualTo(new ByteRange(0, 1 << 20));

        byte[] newer = pattern(VDISK, 100, 4096);
        store.appendDurably(OpLogRecord.data(VDISK, 1, 100, 8192, newer), WAIT);
        long released = store.markDrained(batch, WAIT);

        assertThat(released).isEqualTo(batch.bytes() - 4096);
        ReadResult read = store.read(VDISK, 0, 1 << 20);
        assertThat(read.fromOpLog()).containsExactly(new ByteRange(8192, 4096));
        assertThat(Arrays.copyOfRange(read.data(), 8192, 8192 + 4096)).isEqualTo(newer);
        assertThat(store.undrainedBytes(VDISK)).isEqualTo((2 << 20) + 4096);
        assertThat(store.records(VDISK)).hasSize(33).first()
                .satisfies(r -> assertThat(r.offset()).isEqualTo(1 << 20));

        store.close();
        store = OpLogStore.open(config, clock);
        assertThat(store.read(VDISK, 0, 1 << 20).fromOpLog()).as("the drain marker was replayed")
                .containsExactly(new ByteRange(8192, 4096));
        assertThat(store.undrainedBytes(VDISK)).isEqualTo((2 << 20) + 4096);

        byte[] extentStore = new byte[3 << 20];
        drainAll(extentStore);
        assertThat(Arrays.copyOfRange(extentStore, 8192, 8192 + 4096)).isEqualTo(newer);
        assertThat(Arrays.copyOfRange(extentStore, 2 << 20, (2 << 20) + (64 << 10))).isEqualTo(pattern(VDISK, 32, 64 << 10));
        OpLogStats stats = store.stats();
        assertThat(stats.segments()).as("segments deleted once drained (was %d)", segmentsBefore).isLessThanOrEqualTo(1);
        assertThat(stats.bytesLive()).isZero();
        assertThat(stats.usedBytes()).isLessThan(OpLogFixture.SMALL_SEGMENT);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.count()).isEqualTo(stats.segments());
        }
    }

    @Test
    void givenZeroWrites_whenAppended_thenStoredWithoutPayloadAndReadAsZeros() throws Exception {
        store = OpLogStore.open(smallSegments(dir, 64L << 20), clock);
        store.appendDurably(OpLogRecord.data(VDISK, 1, 1, 0, pattern(VDISK, 1, 16 << 10)), WAIT);
        long before = store.stats().usedBytes();
        store.appendDurably(OpLogRecord.data(VDISK, 1, 2, 0, new byte[8 << 10]), WAIT); // all-zero data
        store.appendDurably(OpLogRecord.zero(VDISK, 1, 3, 12 << 10, 8 << 10), WAIT);
        store.appendDurably(OpLogRecord.trim(VDISK, 1, 4, 32 << 10, 8 << 10), WAIT);

        assertThat(store.stats().usedBytes() - before).as("three 8 KiB zero writes").isLessThan(3 * 100);
        ReadResult read = store.read(VDISK, 0, 40 << 10);
        byte[] expected = new byte[40 << 10];
        System.arraycopy(pattern(VDISK, 1, 16 << 10), 8 << 10, expected, 8 << 10, 4 << 10);
        assertThat(read.data()).isEqualTo(expected);
        assertThat(read.notInOpLog()).containsExactly(new ByteRange(20 << 10, 12 << 10));
        DrainBatch batch = store.drainable(VDISK, 1 << 20);
        assertThat(batch.extents()).extracting(DrainExtent::allZero).containsExactly(false, true);
    }

    @Test
    void givenNewOwnerEpoch_whenOldOwnerAppends_thenStaleEpochRejected() throws Exception {
        OpLogConfig config = smallSegments(dir, 64L << 20);
        store = OpLogStore.open(config, clock);
        store.appendDurably(OpLogRecord.data(VDISK, 2, 10, 0, pattern(VDISK, 10, 4096)), WAIT);

        assertThatThrownBy(() -> store.append(OpLogRecord.data(VDISK, 1, 11, 0, pattern(VDISK, 11, 4096)), WAIT))
                .isInstanceOf(StaleEpochException.class).hasMessageContaining("epoch 1 is stale").hasMessageContaining("epoch 2");
        store.fence(VDISK, 3);
        assertThatThrownBy(() -> store.append(OpLogRecord.data(VDISK, 2, 11, 0, pattern(VDISK, 11, 4096)), WAIT))
                .isInstanceOfSatisfying(StaleEpochException.class, e -> assertThat(e.currentEpoch()).isEqualTo(3));
        assertThatThrownBy(() -> store.fence(VDISK, 2)).isInstanceOf(StaleEpochException.class);
        store.appendDurably(OpLogRecord.data(VDISK, 3, 0, 0, pattern(VDISK, 0, 4096)), WAIT);
        assertThatThrownBy(() -> store.append(List.of(OpLogRecord.data(VDISK, 3, 5, 0, pattern(VDISK, 5, 512)),
                OpLogRecord.data(VDISK, 3, 4, 512, pattern(VDISK, 4, 512))), WAIT)).isInstanceOf(SequenceOrderException.class);
        assertThat(store.read(VDISK, 0, 4096).data()).as("rejected writes left nothing").isEqualTo(pattern(VDISK, 0, 4096));

        store.close();
        store = OpLogStore.open(config, clock);
        assertThat(store.epoch(VDISK)).isEqualTo(3);
        assertThatThrownBy(() -> store.append(OpLogRecord.data(VDISK, 2, 99, 0, pattern(VDISK, 99, 4096)), WAIT))
                .isInstanceOf(StaleEpochException.class);
    }

    @Test
    void givenPartlyDrainedVdisk_whenRecordsHandedToNewOwner_thenReplayGivesTheUndrainedNewestData() throws Exception {
        store = OpLogStore.open(smallSegments(dir, 64L << 20), clock);
        byte[] old = pattern(VDISK, 1, 64 << 10);
        byte[] newer = pattern(VDISK, 2, 4 << 10);
        store.appendDurably(OpLogRecord.data(VDISK, 1, 1, 0, old), WAIT);
        store.appendDurably(OpLogRecord.data(VDISK, 1, 2, 0, newer), WAIT);
        store.appendDurably(OpLogRecord.zero(VDISK, 1, 3, 16 << 10, 4 << 10), WAIT);
        store.markDrained(store.drainable(VDISK, 1), WAIT); // drains [0, 64 KiB) up to sequence 3

        store.appendDurably(OpLogRecord.data(VDISK, 1, 4, 4 << 10, pattern(VDISK, 4, 4 << 10)), WAIT);
        List<OpLogRecord> handOver = store.records(VDISK);
        assertThat(handOver).extracting(OpLogRecord::sequence).containsExactly(4L);

        try (OpLogStore other = OpLogStore.open(smallSegments(dir.resolve("next-owner"), 64L << 20), clock)) {
            for (OpLogRecord record : handOver) {
                other.appendDurably(record, WAIT);
            }
            assertThat(other.read(VDISK, 0, 64 << 10).fromOpLog()).containsExactly(new ByteRange(4 << 10, 4 << 10));
        }
    }

    private OpLogRecord randomWrite(Random random, int diskBytes, long sequence) {
        int sectors = switch (random.nextInt(4)) {
            case 0 -> 1 + random.nextInt(8);
            case 1 -> 8;
            case 2 -> 128; // 64 KiB
            default -> 1 + random.nextInt(128);
        };
        int length = sectors * SECTOR;
        long offset = (long) random.nextInt((diskBytes - length) / SECTOR + 1) * SECTOR;
        return switch (random.nextInt(20)) {
            case 0 -> OpLogRecord.zero(VDISK, 1, sequence, offset, length);
            case 1 -> OpLogRecord.trim(VDISK, 1, sequence, offset, length);
            case 2 -> OpLogRecord.data(VDISK, 1, sequence, offset, new byte[length]);
            default -> OpLogRecord.data(VDISK, 1, sequence, offset, pattern(VDISK, sequence, length));
        };
    }

    private void write(OpLogRecord record, byte[] reference) throws Exception {
        store.appendDurably(record, WAIT);
        System.arraycopy(record.bytes(), 0, reference, (int) record.offset(), record.length());
    }

    private void assertReadMatches(int offset, int length, byte[] reference, byte[] extentStore) throws Exception {
        ReadResult read = store.read(VDISK, offset, length);
        byte[] merged = read.data().clone();
        long covered = 0;
        for (ByteRange missing : read.notInOpLog()) {
            System.arraycopy(extentStore, (int) missing.offset(), merged, (int) (missing.offset() - offset), (int) missing.length());
            covered += missing.length();
        }
        for (ByteRange found : read.fromOpLog()) {
            covered += found.length();
        }
        assertThat(covered).isEqualTo(length);
        assertThat(merged).as("read of %d bytes at %d", length, offset).isEqualTo(Arrays.copyOfRange(reference, offset, offset + length));
    }

    private void drainAll(byte[] extentStore) throws Exception {
        while (!store.drainable(VDISK, 1).isEmpty()) {
            DrainBatch batch = store.drainable(VDISK, 1 << 20);
            for (DrainExtent extent : batch.extents()) {
                System.arraycopy(extent.data(), 0, extentStore, (int) extent.offset(), extent.data().length);
            }
            store.markDrained(batch, WAIT);
        }
    }
}
