package io.cairn.storage.stargate.internal.estore;

import static io.cairn.storage.stargate.internal.estore.TestData.SLICE;
import static io.cairn.storage.stargate.internal.estore.TestData.bytes;
import static io.cairn.storage.stargate.internal.estore.TestData.data;
import static io.cairn.storage.stargate.internal.estore.TestData.egroupFile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.storage.stargate.internal.estore.ExtentStoreException.Reason;

/**
 * One disk: round trips, argument checks, checksum failures and repair, delete, restart. On a
 * directory disk here; {@link ExtentStoreOnDeviceTest} runs the same tests on a hal.sim block device.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExtentStoreTest {

    static final long EG = 0xa1L;
    static final int MIB = 1 << 20;

    @TempDir
    Path dir;
    Path disk;
    LocalMetadata metadata;
    ExtentStore store;
    final List<DiskException> diskFailures = new ArrayList<>();
    final Medium medium = medium();

    /** Where the disk keeps its data. */
    Medium medium() {
        return Medium.files();
    }

    @BeforeEach
    void open() {
        disk = dir.resolve("disk1");
        metadata = LocalMetadata.open(dir.resolve("home"));
        store = medium.open(metadata.store(), List.of(medium.spec("disk1", disk, 0)), diskFailures::add);
    }

    @AfterEach
    void closeMedium() throws Exception {
        medium.close();
    }

    @AfterEach
    void close() throws Exception {
        store.close();
        metadata.close();
    }

    void reopen() throws Exception {
        close();
        open();
    }

    // ---- round trips ----

    @Test
    void givenWritesAtAlignedOffsets_whenRead_thenEachRangeRoundTrips() {
        int[][] ranges = {{0, SLICE}, {2 * SLICE, 3 * SLICE}, {MIB, 64 * 1024}, {ExtentStore.EGROUP_BYTES - SLICE, SLICE}};
        for (int[] r : ranges) {
            store.write(EG, r[0], data(EG, r[0], r[1], 0));
        }
        for (int[] r : ranges) {
            ByteBuffer read = store.read(EG, r[0], r[1]);
            assertThat(read.position()).isZero();
            assertThat(bytes(read)).as("range at %d", r[0]).isEqualTo(bytes(data(EG, r[0], r[1], 0)));
        }
        // a range across written and never-written slices: slice 1 reads as zeros
        byte[] span = bytes(store.read(EG, 0, 5 * SLICE));
        assertThat(java.util.Arrays.copyOfRange(span, 0, SLICE)).isEqualTo(TestData.slice(EG, 0, 0));
        assertThat(java.util.Arrays.copyOfRange(span, SLICE, 2 * SLICE)).containsOnly(0);
        assertThat(java.util.Arrays.copyOfRange(span, 2 * SLICE, 5 * SLICE)).isEqualTo(bytes(data(EG, 2 * SLICE, 3 * SLICE, 0)));

        assertThat(store.location(EG)).hasValue(new EgroupLocation(EG, "disk1", true, 1 + 3 + 16 + 1));
        assertThat(store.usage().getFirst().usedBytes()).isEqualTo(21L * SLICE);
        assertThat(store.counters().bytesWritten()).isEqualTo((1 + 3 + 16 + 1) * SLICE);
        assertThat(store.counters().bytesRead()).isEqualTo((1 + 3 + 16 + 1 + 5) * SLICE);
        assertThat(store.verify(EG)).isEmpty();
    }

    @Test
    void givenOverwrite_whenRead_thenNewDataVerifies() {
        store.write(EG, 0, data(EG, 0, 4 * SLICE, 0));
        store.write(EG, SLICE, data(EG, SLICE, 2 * SLICE, 1));
        ByteBuffer expected = ByteBuffer.allocate(4 * SLICE).put(TestData.slice(EG, 0, 0)).put(data(EG, SLICE, 2 * SLICE, 1))
                .put(TestData.slice(EG, 3, 0)).flip();
        assertThat(bytes(store.read(EG, 0, 4 * SLICE))).isEqualTo(bytes(expected));
        assertThat(store.usage().getFirst().usedBytes()).as("overwritten slices count once").isEqualTo(4L * SLICE);
    }

    @Test
    void givenNewEgroup_whenReadingNeverWrittenSlices_thenZerosThatVerify() {
        store.write(EG, 0, data(EG, 0, SLICE, 0));
        assertThat(bytes(store.read(EG, 100 * SLICE, 2 * SLICE))).hasSize(2 * SLICE).containsOnly(0);
        byte[] whole = bytes(store.read(EG, 0, ExtentStore.EGROUP_BYTES));
        assertThat(java.util.Arrays.copyOfRange(whole, SLICE, whole.length)).containsOnly(0);
        assertThat(medium.hasData(metadata.store(), disk, EG)).isTrue();
    }

    @Test
    void givenDirectBuffer_whenWritten_thenConsumedAndReadBack() {
        ByteBuffer direct = ByteBuffer.allocateDirect(2 * SLICE).put(data(EG, 0, 2 * SLICE, 0)).flip();
        store.write(EG, 0, direct);
        assertThat(direct.hasRemaining()).isFalse();
        assertThat(bytes(store.read(EG, 0, 2 * SLICE))).isEqualTo(bytes(data(EG, 0, 2 * SLICE, 0)));
    }

    // ---- argument checks ----

    @Test
    void givenUnalignedOrOutOfRangeRequests_whenCalled_thenInvalidRequestAndNothingCreated() {
        assertInvalid(() -> store.write(EG, 100, ByteBuffer.allocate(SLICE)), "multiples of 4096");
        assertInvalid(() -> store.write(EG, 0, ByteBuffer.allocate(100)), "multiples of 4096");
        assertInvalid(() -> store.write(EG, 0, ByteBuffer.allocate(0)), "non-empty");
        assertInvalid(() -> store.write(EG, -SLICE, ByteBuffer.allocate(SLICE)), "inside the egroup");
        assertInvalid(() -> store.write(EG, ExtentStore.EGROUP_BYTES, ByteBuffer.allocate(SLICE)), "inside the egroup");
        assertInvalid(() -> store.write(EG, ExtentStore.EGROUP_BYTES - SLICE, ByteBuffer.allocate(2 * SLICE)), "inside the egroup");
        assertInvalid(() -> store.read(EG, 4095, SLICE), "multiples of 4096");
        assertInvalid(() -> store.read(EG, 0, 1), "multiples of 4096");
        assertInvalid(() -> store.read(EG, 0, ExtentStore.EGROUP_BYTES + SLICE), "inside the egroup");
        assertInvalid(() -> store.repair(EG, 0, ByteBuffer.allocate(10)), "multiples of 4096");
        assertInvalid(() -> store.write(EG, 0, ByteBuffer.allocate(SLICE), "no-such-disk"), "not one of this node's");
        assertThatThrownBy(() -> new DiskSpec("bad id", disk, 0)).isInstanceOf(ExtentStoreException.class)
                .hasMessageContaining("[A-Za-z0-9._-]");
        assertThat(store.contains(EG)).isFalse();
        assertThat(store.list()).isEmpty();
    }

    static void assertInvalid(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String message) {
        assertThatThrownBy(call).isInstanceOfSatisfying(ExtentStoreException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_REQUEST)).hasMessageContaining(message)
                .hasMessageContaining("egroup").satisfiesAnyOf(e -> assertThat(e).hasMessageContaining(ExtentStore.hex(EG)),
                        e -> assertThat(e).hasMessageContaining("disk"));
    }

    @Test
    void givenUnknownEgroup_whenReadRepairedVerifiedOrDeleted_thenNotFoundOrFalse() {
        assertThatThrownBy(() -> store.read(EG, 0, SLICE)).isInstanceOfSatisfying(ExtentStoreException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND)).hasMessageContaining(ExtentStore.hex(EG));
        assertThatThrownBy(() -> store.repair(EG, 0, data(EG, 0, SLICE, 0))).isInstanceOfSatisfying(ExtentStoreException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND));
        assertThatThrownBy(() -> store.verify(EG)).isInstanceOfSatisfying(ExtentStoreException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND));
        assertThat(store.delete(EG)).isFalse();
        assertThat(store.contains(EG)).isFalse();
        assertThat(store.location(EG)).isEmpty();
    }

    // ---- checksums and repair ----

    @Test
    void givenFlippedByteOnDisk_whenRead_thenChecksumErrorNamesSlice_andRepairRestoresIt() throws Exception {
        store.write(EG, 2 * SLICE, data(EG, 2 * SLICE, 4 * SLICE, 0)); // slices 2..5
        medium.flipByte(metadata.store(), disk, EG, 4L * SLICE + 17);  // slice 4

        assertThatThrownBy(() -> store.read(EG, 0, 8 * SLICE)).isInstanceOfSatisfying(SliceChecksumException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.CHECKSUM_MISMATCH);
            assertThat(e.egroupId()).isEqualTo(EG);
            assertThat(e.diskId()).isEqualTo("disk1");
            assertThat(e.badSlices()).containsExactly(4);
            if (medium.isDevice()) {
                assertThat(e.file()).isNull();
                assertThat(e.getMessage()).contains("device sim-disk1 slot " + Medium.Devices.slot(metadata.store(), EG));
            } else {
                assertThat(e.file()).isEqualTo(egroupFile(disk, EG));
            }
            assertThat(e.getMessage()).contains(ExtentStore.hex(EG), "disk1", "[4]", "repair");
        });
        assertThat(store.counters().checksumErrors()).isEqualTo(1);
        assertThat(store.counters().bytesRead()).as("nothing returned").isZero();
        // slices around the bad one still read
        assertThat(bytes(store.read(EG, 2 * SLICE, 2 * SLICE))).isEqualTo(bytes(data(EG, 2 * SLICE, 2 * SLICE, 0)));
        assertThat(store.verify(EG)).containsExactly(4);
        assertThat(store.counters().checksumErrors()).isEqualTo(2);

        store.repair(EG, 4 * SLICE, data(EG, 4 * SLICE, SLICE, 0)); // good data from another replica
        assertThat(bytes(store.read(EG, 2 * SLICE, 4 * SLICE))).isEqualTo(bytes(data(EG, 2 * SLICE, 4 * SLICE, 0)));
        assertThat(store.verify(EG)).isEmpty();
        assertThat(store.counters().slicesRepaired()).isEqualTo(1);
        assertThat(store.counters().checksumErrors()).isEqualTo(2);
        assertThat(store.counters().scrubBytes()).isEqualTo(2L * ExtentStore.EGROUP_BYTES);
    }

    @Test
    void givenADirectWriteAfterTheGoodCopyWasRead_whenRepaired_thenOnlySlicesStillFailingAreRewritten_andTheNewerWriteStays()
            throws Exception {
        store.write(EG, 2 * SLICE, data(EG, 2 * SLICE, 4 * SLICE, 0)); // slices 2..5, generation 0
        medium.flipByte(metadata.store(), disk, EG, 4L * SLICE + 17);  // slice 4 rots
        ByteBuffer good = data(EG, 2 * SLICE, 4 * SLICE, 0);           // read from another replica: slices 2..5, generation 0
        store.write(EG, 3 * SLICE, data(EG, 3 * SLICE, SLICE, 1));     // then a direct write of generation 1 lands on slice 3

        assertThat(store.repair(EG, 2 * SLICE, good)).isEqualTo(1);

        assertThat(bytes(store.read(EG, 3 * SLICE, SLICE))).as("the newer write stays").isEqualTo(bytes(data(EG, 3 * SLICE, SLICE, 1)));
        assertThat(bytes(store.read(EG, 4 * SLICE, SLICE))).isEqualTo(bytes(data(EG, 4 * SLICE, SLICE, 0)));
        assertThat(store.verify(EG)).isEmpty();
        assertThat(store.counters().slicesRepaired()).isEqualTo(1);

        // a write that replaced the rotten slice itself leaves nothing to repair
        medium.flipByte(metadata.store(), disk, EG, 5L * SLICE + 3);
        ByteBuffer good5 = data(EG, 5 * SLICE, SLICE, 0);
        store.write(EG, 5 * SLICE, data(EG, 5 * SLICE, SLICE, 2));
        assertThat(store.repair(EG, 5 * SLICE, good5)).isZero();
        assertThat(bytes(store.read(EG, 5 * SLICE, SLICE))).isEqualTo(bytes(data(EG, 5 * SLICE, SLICE, 2)));

        // a slice never written here that the good copy has is filled in
        assertThat(store.repair(EG, 7 * SLICE, data(EG, 7 * SLICE, SLICE, 0))).isEqualTo(1);
        assertThat(bytes(store.read(EG, 7 * SLICE, SLICE))).isEqualTo(bytes(data(EG, 7 * SLICE, SLICE, 0)));
    }

    @Test
    void givenDataWrittenWithoutItsChecksum_whenRead_thenChecksumError_untilTheDrainIsRedone() throws Exception {
        store.write(EG, 0, data(EG, 0, 2 * SLICE, 0));
        // what a crash between the data's fdatasync and the record leaves: new data under the old
        // checksum (slice 1), and data in a slice recorded as never written (slice 7)
        medium.overwrite(metadata.store(), disk, EG, SLICE, TestData.slice(EG, 1, 1));
        medium.overwrite(metadata.store(), disk, EG, 7L * SLICE, TestData.slice(EG, 7, 1));

        assertThatThrownBy(() -> store.read(EG, 0, 8 * SLICE)).isInstanceOfSatisfying(SliceChecksumException.class,
                e -> assertThat(e.badSlices()).containsExactly(1, 7));
        assertThat(store.verify(EG)).containsExactly(1, 7);

        // the OpLog still holds the unacknowledged data and drains it again
        store.write(EG, SLICE, data(EG, SLICE, SLICE, 1));
        store.write(EG, 7 * SLICE, data(EG, 7 * SLICE, SLICE, 1));
        assertThat(bytes(store.read(EG, SLICE, SLICE))).isEqualTo(TestData.slice(EG, 1, 1));
        assertThat(store.verify(EG)).isEmpty();
    }

    @Test
    void givenCorruptMetadataRecord_whenRead_thenCorruptMetadata() {
        store.write(EG, 0, data(EG, 0, SLICE, 0));
        metadata.store().put(("egroup/" + ExtentStore.hex(0xb2L)).getBytes(StandardCharsets.US_ASCII), new byte[] {9, 9, 9});
        assertThatThrownBy(() -> store.read(0xb2L, 0, SLICE)).isInstanceOfSatisfying(ExtentStoreException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.CORRUPT_METADATA)).hasMessageContaining("00000000000000b2");
    }

    // ---- delete, list ----

    @Test
    void givenEgroups_whenOneDeleted_thenItsFileAndRecordAreGoneAndSpaceFreed() {
        store.write(EG, 0, data(EG, 0, 8 * SLICE, 0));
        store.write(0xa2L, 0, data(0xa2L, 0, SLICE, 0));
        assertThat(store.list()).extracting(EgroupLocation::egroupId).containsExactly(EG, 0xa2L);
        assertThat(store.listOnDisk("disk1")).containsExactly(EG, 0xa2L);
        assertThat(store.usage().getFirst()).satisfies(u -> {
            assertThat(u.usedBytes()).isEqualTo(9L * SLICE);
            assertThat(u.egroups()).isEqualTo(2);
        });

        assertThat(store.delete(EG)).isTrue();
        assertThat(store.contains(EG)).isFalse();
        assertThat(medium.hasData(metadata.store(), disk, EG)).isFalse();
        assertThat(store.list()).extracting(EgroupLocation::egroupId).containsExactly(0xa2L);
        assertThat(store.usage().getFirst().usedBytes()).isEqualTo(SLICE);
        assertThat(store.usage().getFirst().egroups()).isEqualTo(1);
        assertThat(store.delete(EG)).isFalse();

        // the id can be used again: nothing of the old data shows through
        store.write(EG, 0, data(EG, 0, SLICE, 5));
        assertThat(bytes(store.read(EG, 0, 8 * SLICE))).startsWith(TestData.slice(EG, 0, 5));
        assertThat(store.verify(EG)).isEmpty();
    }

    @Test
    void givenReadEgroup_whenRewrittenCorruptedOrDeletedBetweenReads_thenEachReadSeesTheCurrentRecord() throws Exception {
        // reads of an idle egroup use the store's decoded copy of its record: it must follow every change
        store.write(EG, 0, data(EG, 0, 8 * SLICE, 0));
        assertThat(bytes(store.read(EG, 0, 8 * SLICE))).isEqualTo(bytes(data(EG, 0, 8 * SLICE, 0)));

        store.write(EG, 3 * SLICE, data(EG, 3 * SLICE, SLICE, 1));
        assertThat(bytes(store.read(EG, 3 * SLICE, SLICE))).as("the new checksum verifies the new data")
                .isEqualTo(TestData.slice(EG, 3, 1));
        store.write(EG, 9 * SLICE, data(EG, 9 * SLICE, SLICE, 2));
        assertThat(bytes(store.read(EG, 9 * SLICE, SLICE))).as("a slice first written after the record was cached")
                .isEqualTo(TestData.slice(EG, 9, 2));

        medium.flipByte(metadata.store(), disk, EG, 3L * SLICE + 5);
        assertThatThrownBy(() -> store.read(EG, 3 * SLICE, SLICE)).isInstanceOfSatisfying(SliceChecksumException.class,
                e -> assertThat(e.badSlices()).containsExactly(3));
        assertThat(store.repair(EG, 3 * SLICE, data(EG, 3 * SLICE, SLICE, 1))).isEqualTo(1);
        assertThat(bytes(store.read(EG, 3 * SLICE, SLICE))).isEqualTo(TestData.slice(EG, 3, 1));

        assertThat(store.delete(EG)).isTrue();
        assertThatThrownBy(() -> store.read(EG, 0, SLICE)).isInstanceOfSatisfying(ExtentStoreException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND));
        store.write(EG, 0, data(EG, 0, SLICE, 7));
        assertThat(bytes(store.read(EG, 0, 2 * SLICE))).as("the id reused: the new record, not the deleted one")
                .startsWith(TestData.slice(EG, 0, 7)).endsWith(new byte[SLICE]);
    }

    @Test
    void givenEgroupIdsAboveLongMax_whenListed_thenUnsignedOrder() {
        store.write(-1L, 0, data(-1L, 0, SLICE, 0));
        store.write(1L, 0, data(1L, 0, SLICE, 0));
        assertThat(store.list()).extracting(EgroupLocation::egroupId).containsExactly(1L, -1L);
        if (!medium.isDevice()) {
            assertThat(egroupFile(disk, -1L).getFileName().toString()).isEqualTo("ffffffffffffffff.eg");
        }
        assertThat(bytes(store.read(-1L, 0, SLICE))).isEqualTo(TestData.slice(-1L, 0, 0));
    }

    // ---- restart ----

    @Test
    void givenWrittenEgroups_whenStoreAndMetadataReopened_thenDataAndChecksumsStillVerify() throws Exception {
        for (long eg = 1; eg <= 3; eg++) {
            store.write(eg, (int) eg * SLICE, data(eg, (int) eg * SLICE, 4 * SLICE, 0));
        }
        List<EgroupLocation> before = store.list();
        DiskUsage usageBefore = store.usage().getFirst();

        reopen();

        assertThat(store.list()).isEqualTo(before);
        assertThat(store.usage().getFirst()).isEqualTo(usageBefore);
        for (long eg = 1; eg <= 3; eg++) {
            assertThat(bytes(store.read(eg, (int) eg * SLICE, 4 * SLICE))).isEqualTo(bytes(data(eg, (int) eg * SLICE, 4 * SLICE, 0)));
            assertThat(store.verify(eg)).isEmpty();
        }
        // corruption after the restart is still caught against the persisted checksums
        medium.flipByte(metadata.store(), disk, 2, 3L * SLICE);
        assertThatThrownBy(() -> store.read(2, 0, 8 * SLICE)).isInstanceOfSatisfying(SliceChecksumException.class,
                e -> assertThat(e.badSlices()).containsExactly(3));
    }

    @Test
    void givenEgroupFileWithoutRecord_whenStoreReopened_thenTheOrphanIsRemoved() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(medium.isDevice(), "files only: a device's unrecorded slots are simply free");
        store.write(EG, 0, data(EG, 0, SLICE, 0));
        Path orphan = egroupFile(disk, 0xdeadL);
        Files.write(orphan, new byte[SLICE]);
        Path unrelated = disk.resolve(ExtentStore.DIRECTORY).resolve("notes.txt");
        Files.writeString(unrelated, "not an egroup");

        reopen();

        assertThat(orphan).doesNotExist();
        assertThat(unrelated).exists();
        assertThat(egroupFile(disk, EG)).exists();
        assertThat(store.verify(EG)).isEmpty();
    }

    @Test
    void givenClosedStore_whenUsed_thenClosed() {
        store.close();
        assertThatThrownBy(() -> store.read(EG, 0, SLICE)).isInstanceOfSatisfying(ExtentStoreException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.CLOSED));
        assertThatThrownBy(() -> store.write(EG, 0, data(EG, 0, SLICE, 0))).isInstanceOfSatisfying(ExtentStoreException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.CLOSED));
    }
}
