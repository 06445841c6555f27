package io.cairn.storage.stargate.internal.estore;

import static io.cairn.storage.stargate.internal.estore.TestData.SLICE;
import static io.cairn.storage.stargate.internal.estore.TestData.bytes;
import static io.cairn.storage.stargate.internal.estore.TestData.data;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.common.clock.ManualClock;
import io.cairn.hal.api.BlockDevice;
import io.cairn.hal.api.faults.Fault;
import io.cairn.hal.api.faults.FaultInjector;
import io.cairn.hal.sim.internal.SimDisks;
import io.cairn.storage.stargate.internal.disks.DiskHealth;
import io.cairn.storage.stargate.internal.disks.DiskHealthPolicy;
import io.cairn.storage.stargate.internal.disks.DiskHealthPolicy.DiskState;
import io.cairn.storage.stargate.internal.estore.ExtentStoreException.Reason;

/**
 * What only a disk on a HAL block device has: the superblock, slots (reuse, rebuild on reopen, a
 * full device), crash windows around a slot's record, and device faults injected through hal.sim
 * (EIO, a vanished or full device, bit flips) reaching disk health and the checksums.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExtentStoreDeviceTest {

    static final long SLOT = DeviceBackend.SLOT_BYTES;

    @TempDir
    Path dir;
    final Medium.Devices medium = Medium.devices(8 * SLOT); // 7 data slots
    final List<DiskException> diskFailures = new CopyOnWriteArrayList<>();
    final ManualClock wall = new ManualClock(Instant.parse("2030-01-01T00:00:00Z"));
    LocalMetadata metadata;
    ExtentStore store;

    ExtentStore open(DiskFailureListener listener, DiskSpec... specs) {
        metadata = LocalMetadata.open(dir.resolve("home"));
        store = ExtentStore.open(metadata.store(), List.of(specs), listener, System::nanoTime, wall::millis, medium.byHalId::get);
        return store;
    }

    ExtentStore open() {
        return open(diskFailures::add, medium.spec("d1", dir.resolve("d1"), 0));
    }

    void closeStore() throws Exception {
        if (store != null) {
            store.close();
            metadata.close();
            store = null;
        }
    }

    @AfterEach
    void close() throws Exception {
        closeStore();
        medium.close();
    }

    int slot(long egroupId) {
        return Medium.Devices.slot(metadata.store(), egroupId);
    }

    BlockDevice device() {
        return medium.device("d1");
    }

    Path image() {
        return dir.resolve("d1.img");
    }

    DiskUsage usage() {
        return store.usage().getFirst();
    }

    // ---- superblock ----

    @Test
    void givenBlankDevice_whenOpened_thenSuperblockWrittenInSlotZero_andCapacityIsTheDataSlots() throws Exception {
        open();
        assertThat(usage().online()).isTrue();
        assertThat(usage().capacityBytes()).isEqualTo(7 * SLOT);
        assertThat(store.device("d1")).containsSame(device());
        byte[] head = new byte[SLICE];
        try (FileChannel ch = FileChannel.open(image(), StandardOpenOption.READ)) {
            ch.read(ByteBuffer.wrap(head), 0);
        }
        assertThat(head).isEqualTo(DeviceBackend.encodeSuperblock("d1"));
        assertThat(new String(head, 0, 8, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("CAIRNEST");

        store.write(1, 0, data(1, 0, SLICE, 0));
        assertThat(slot(1)).as("slot 0 is the superblock's").isEqualTo(1);
        closeStore();
        assertThat(open().usage().getFirst().online()).as("reopened: the superblock names d1").isTrue();
        assertThat(bytes(store.read(1, 0, SLICE))).isEqualTo(TestData.slice(1, 0, 0));
    }

    @Test
    void givenConfiguredCapacityBelowTheDevice_whenOpened_thenTheSmallerCounts() {
        open(diskFailures::add, medium.spec("d1", dir.resolve("d1"), 3 * SLOT));
        assertThat(usage().capacityBytes()).isEqualTo(3 * SLOT);
    }

    @Test
    void givenDeviceOfAnotherDisk_whenOpened_thenRefusedOffline_withWhatToDo() throws Exception {
        open(diskFailures::add, medium.spec("d1", dir.resolve("d1"), 0));
        store.write(1, 0, data(1, 0, SLICE, 0));
        closeStore();

        // disk.json now gives d1's device to a disk called d9
        metadata = LocalMetadata.open(dir.resolve("home2"));
        store = ExtentStore.open(metadata.store(), List.of(DiskSpec.onDevice("d9", dir.resolve("d9"), 0, "sim-d1")), diskFailures::add,
                System::nanoTime, wall::millis, medium.byHalId::get);

        assertThat(usage().online()).isFalse();
        assertThat(diskFailures).as("a configuration error, not an I/O error").isEmpty();
        assertThatThrownBy(() -> store.write(2, 0, data(2, 0, SLICE, 0))).isInstanceOfSatisfying(ExtentStoreException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.NO_SPACE));
        assertThat(store.bringOnline("d9")).isFalse();
        assertThat(readHead()).as("d1's superblock is not overwritten").isEqualTo(DeviceBackend.encodeSuperblock("d1"));
    }

    @Test
    void givenDeviceHoldingForeignData_whenOpened_thenRefusedAndNotOverwritten() throws Exception {
        byte[] foreign = new byte[SLICE];
        foreign[0] = 0x7f;
        foreign[1] = 'E';
        medium.spec("d1", dir.resolve("d1"), 0); // creates the device's image
        TestData.overwrite(image(), 0, foreign);  // a file system's header, say

        open();

        assertThat(usage().online()).isFalse();
        assertThat(readHead()).isEqualTo(foreign);
        assertThatThrownBy(() -> store.write(1, 0, data(1, 0, SLICE, 0), "d1")).isInstanceOfSatisfying(DiskException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.DISK_OFFLINE));
    }

    @Test
    void givenBlankDeviceButRecordedEgroups_whenOpened_thenRefused_theDeviceWasReplaced() throws Exception {
        open();
        store.write(1, 0, data(1, 0, SLICE, 0));
        closeStore();
        TestData.overwrite(image(), 0, new byte[SLICE]); // wiped (or a new, blank device with the same id)

        open();

        assertThat(usage().online()).isFalse();
        assertThat(usage().egroups()).isEqualTo(1);
        assertThatThrownBy(() -> store.read(1, 0, SLICE)).isInstanceOfSatisfying(DiskException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.DISK_OFFLINE));
        assertThat(readHead()).as("not re-initialised under recorded egroups").containsOnly(0);
    }

    @Test
    void givenDirectoryDiskHoldingEgroups_whenSwitchedToADevice_thenRefused() throws Exception {
        metadata = LocalMetadata.open(dir.resolve("home"));
        store = ExtentStore.open(metadata.store(), List.of(new DiskSpec("d1", dir.resolve("d1"), 0)), diskFailures::add);
        store.write(1, 0, data(1, 0, SLICE, 0));
        closeStore();

        open();

        assertThat(usage().online()).isFalse();
        assertThat(readHead()).as("the device is not touched").containsOnly(0);
    }

    byte[] readHead() throws Exception {
        byte[] head = new byte[SLICE];
        try (FileChannel ch = FileChannel.open(image(), StandardOpenOption.READ)) {
            ch.read(ByteBuffer.wrap(head), 0);
        }
        return head;
    }

    // ---- slots ----

    @Test
    void givenDeletedEgroup_whenANewOneIsCreated_thenItsSlotIsReused_discarded() throws Exception {
        open();
        for (long eg = 1; eg <= 3; eg++) {
            store.write(eg, 0, data(eg, 0, 4 * SLICE, 0));
        }
        assertThat(List.of(slot(1), slot(2), slot(3))).containsExactly(1, 2, 3);
        assertThat(store.delete(2)).isTrue();
        try (FileChannel ch = FileChannel.open(image(), StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(SLICE);
            ch.read(b, 2 * SLOT);
            assertThat(b.array()).as("the deleted replica's slot is discarded").containsOnly(0);
        }

        store.write(9, 8 * SLICE, data(9, 8 * SLICE, SLICE, 0));

        assertThat(slot(9)).isEqualTo(2);
        assertThat(bytes(store.read(9, 0, 16 * SLICE))).as("nothing of egroup 2 shows through")
                .isEqualTo(bytes(ByteBuffer.allocate(16 * SLICE).put(8 * SLICE, TestData.slice(9, 8, 0))));
        assertThat(store.verify(9)).isEmpty();
    }

    @Test
    void givenEgroupsWithAHole_whenReopened_thenFreeSlotsAreRebuiltFromTheRecords() throws Exception {
        open();
        for (long eg = 1; eg <= 4; eg++) {
            store.write(eg, 0, data(eg, 0, SLICE, 0));
        }
        store.delete(2);
        closeStore();

        open();
        assertThat(usage().egroups()).isEqualTo(3);
        store.write(10, 0, data(10, 0, SLICE, 0));
        store.write(11, 0, data(11, 0, SLICE, 0));

        assertThat(slot(10)).isEqualTo(2);
        assertThat(slot(11)).as("slots 3 and 4 stay taken").isEqualTo(5);
        for (long eg : new long[] {1, 3, 4, 10, 11}) {
            assertThat(bytes(store.read(eg, 0, SLICE))).isEqualTo(TestData.slice(eg, 0, 0));
        }
    }

    @Test
    void givenEverySlotTaken_whenANewEgroupIsWritten_thenNoSpace_asOnAFullDirectoryDisk() {
        open();
        for (long eg = 1; eg <= 7; eg++) {
            store.write(eg, 0, data(eg, 0, SLICE, 0));
        }
        assertThat(usage().usedBytes()).as("far below the capacity: the slots ran out").isEqualTo(7L * SLICE);

        assertThatThrownBy(() -> store.write(8, 0, data(8, 0, SLICE, 0))).isInstanceOfSatisfying(ExtentStoreException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.NO_SPACE)).hasMessageContaining("0000000000000008")
                .hasMessageContaining("no online disk");
        assertThatThrownBy(() -> store.write(8, 0, data(8, 0, SLICE, 0), "d1")).isInstanceOfSatisfying(ExtentStoreException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.NO_SPACE)).hasMessageContaining("slots");
        assertThat(store.contains(8)).isFalse();
        assertThat(diskFailures).isEmpty();
        store.write(7, SLICE, data(7, SLICE, SLICE, 0)); // existing egroups still grow

        store.delete(3);
        store.write(8, 0, data(8, 0, SLICE, 0));
        assertThat(slot(8)).isEqualTo(3);
    }

    // ---- crash windows ----

    @Test
    void givenCrashAfterASlotWasPreparedButBeforeItsRecord_whenReopened_thenTheSlotIsFree() throws Exception {
        open();
        store.write(1, 0, data(1, 0, SLICE, 0));
        // what a crash between create's discard and the record leaves: data in slot 2 no record names
        TestData.overwrite(image(), 2 * SLOT, TestData.slice(99, 0, 0));
        closeStore();

        open();
        store.write(2, SLICE, data(2, SLICE, SLICE, 0));

        assertThat(slot(2)).isEqualTo(2);
        assertThat(bytes(store.read(2, 0, 2 * SLICE))).as("the leftover is discarded before reuse")
                .isEqualTo(bytes(ByteBuffer.allocate(2 * SLICE).put(SLICE, TestData.slice(2, 1, 0))));
    }

    @Test
    void givenCrashBetweenTheDataAndTheRecord_whenReopened_thenThoseSlicesFailVerification_untilRewritten() throws Exception {
        open();
        store.write(1, 0, data(1, 0, 2 * SLICE, 0));
        int slot = slot(1);
        closeStore();
        // the data of an unacknowledged write reached the device, its checksums never reached the record
        TestData.overwrite(image(), slot * SLOT + SLICE, TestData.slice(1, 1, 1));
        TestData.overwrite(image(), slot * SLOT + 5L * SLICE, TestData.slice(1, 5, 1));

        open();

        assertThatThrownBy(() -> store.read(1, 0, 8 * SLICE)).isInstanceOfSatisfying(SliceChecksumException.class,
                e -> assertThat(e.badSlices()).containsExactly(1, 5));
        assertThat(bytes(store.read(1, 0, SLICE))).isEqualTo(TestData.slice(1, 0, 0));
        store.write(1, SLICE, data(1, SLICE, SLICE, 1)); // the OpLog drains it again
        store.write(1, 5 * SLICE, data(1, 5 * SLICE, SLICE, 1));
        assertThat(store.verify(1)).isEmpty();
    }

    // ---- faults through hal.sim ----

    @Test
    void givenInjectedEio_whenReadAndWritten_thenDiskIoErrorsReachTheListener_andDiskHealthTakesTheDiskOffline() {
        ManualClock clock = new ManualClock();
        List<String> changes = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicReference<ExtentStore> ref = new java.util.concurrent.atomic.AtomicReference<>();
        DiskHealth health = new DiskHealth(new DiskHealthPolicy(clock::now), clock, Duration.ofSeconds(30),
                DiskHealth.hal(id -> ref.get().device(id).orElse(null)), new DiskHealth.Disks() {
                    @Override
                    public void takeOffline(String diskId) {
                        ref.get().takeOffline(diskId);
                    }

                    @Override
                    public boolean bringOnline(String diskId) {
                        return ref.get().bringOnline(diskId);
                    }
                });
        health.onChange(() -> changes.add("changed"));
        ref.set(open(e -> {
            diskFailures.add(e);
            health.diskFailed(e);
        }, medium.spec("d1", dir.resolve("d1"), 0)));
        store.write(1, 0, data(1, 0, SLICE, 0));
        FaultInjector faults = medium.faults();

        faults.inject("sim-d1", new Fault.IoError(Fault.Op.READ, DeviceBackend.offset(slot(1)), SLOT));
        assertThatThrownBy(() -> store.read(1, 0, SLICE)).isInstanceOfSatisfying(DiskException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.DISK_IO_ERROR);
            assertThat(e.diskId()).isEqualTo("d1");
        }).hasMessageContaining("EIO").hasMessageContaining("device sim-d1");
        assertThat(diskFailures).hasSize(1);
        assertThat(store.counters().diskIoErrors()).isEqualTo(1);

        faults.inject("sim-d1", Fault.IoError.everywhere(Fault.Op.WRITE));
        for (int i = 0; i < 9; i++) {
            assertThatThrownBy(() -> store.write(1, 0, data(1, 0, SLICE, 1))).isInstanceOf(DiskException.class);
            clock.advance(Duration.ofSeconds(1));
        }
        assertThat(diskFailures).hasSize(10);
        assertThat(health.state("d1")).isEqualTo(DiskState.OFFLINE);
        assertThat(usage().online()).isFalse();
        assertThat(changes).isNotEmpty();

        // the device recovers; its SMART check (no smart_passed attribute on a sim disk: PASS) brings the disk back
        faults.clear("sim-d1");
        clock.advance(Duration.ofSeconds(30));
        assertThat(health.state("d1")).isEqualTo(DiskState.ONLINE);
        assertThat(usage().online()).isTrue();
        assertThat(bytes(store.read(1, 0, SLICE))).as("the failed writes left the old data and checksum")
                .isEqualTo(TestData.slice(1, 0, 0));
    }

    @Test
    void givenDeviceThatDisappears_whenUsed_thenDiskIoError_andItCannotComeBackUntilItReturns() {
        open();
        store.write(1, 0, data(1, 0, SLICE, 0));
        FaultInjector faults = medium.faults();
        faults.inject("sim-d1", new Fault.Disappear());

        assertThatThrownBy(() -> store.read(1, 0, SLICE)).isInstanceOfSatisfying(DiskException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.DISK_IO_ERROR)).hasMessageContaining("disappeared");
        assertThatThrownBy(() -> store.write(2, 0, data(2, 0, SLICE, 0))).isInstanceOf(DiskException.class);
        assertThat(diskFailures).hasSize(2).allSatisfy(e -> assertThat(e.diskId()).isEqualTo("d1"));
        assertThat(store.contains(2)).isFalse();

        store.takeOffline("d1");
        assertThat(store.bringOnline("d1")).as("its superblock cannot be read").isFalse();
        faults.clear("sim-d1");
        assertThat(store.bringOnline("d1")).isTrue();
        assertThat(bytes(store.read(1, 0, SLICE))).isEqualTo(TestData.slice(1, 0, 0));
    }

    @Test
    void givenDeviceReportingFull_whenWritten_thenDiskIoErrorForDiskHealth() {
        open();
        store.write(1, 0, data(1, 0, SLICE, 0));
        medium.faults().inject("sim-d1", new Fault.Full());

        assertThatThrownBy(() -> store.write(1, SLICE, data(1, SLICE, SLICE, 0))).isInstanceOfSatisfying(DiskException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.DISK_IO_ERROR)).hasMessageContaining("full");
        assertThat(diskFailures).hasSize(1);
        assertThat(usage().usedBytes()).as("the failed write's space is given back").isEqualTo(SLICE);
        assertThat(bytes(store.read(1, 0, SLICE))).as("reads still work").isEqualTo(TestData.slice(1, 0, 0));
    }

    @Test
    void givenInjectedBitFlips_whenRead_thenSliceChecksumException_andVerifyFindsThem() throws Exception {
        open();
        store.write(1, 0, data(1, 0, 8 * SLICE, 0));
        FaultInjector faults = medium.faults();
        faults.inject("sim-d1", new Fault.BitFlip(DeviceBackend.offset(slot(1)) + 3L * SLICE, SLICE));

        assertThatThrownBy(() -> store.read(1, 0, 8 * SLICE)).isInstanceOfSatisfying(SliceChecksumException.class, e -> {
            assertThat(e.badSlices()).containsExactly(3);
            assertThat(e.getMessage()).contains("device sim-d1 slot " + slot(1));
        });
        assertThat(store.verify(1)).as("the scrubber's check").containsExactly(3);
        Scrubber scrubber = new Scrubber(store, new ManualClock(), new Scrubber.Settings(60, 30, 0));
        scrubber.scrubAll(Duration.ZERO);
        assertThat(scrubber.suspects()).containsExactly(1L);
        assertThat(diskFailures).as("silent corruption is no I/O error").isEmpty();

        faults.clear("sim-d1");
        assertThat(store.verify(1)).isEmpty();
    }

    // ---- the device's lifecycle ----

    @Test
    void givenDeviceNotPresentAtOpen_whenItAppears_thenTheDiskComesOnline_andGoesOfflineWhenItLeaves() throws Exception {
        DiskSpec spec = medium.spec("d1", dir.resolve("d1"), 0);
        metadata = LocalMetadata.open(dir.resolve("home"));
        store = ExtentStore.open(metadata.store(), List.of(spec), diskFailures::add, System::nanoTime, wall::millis, id -> null);
        assertThat(usage().online()).isFalse();
        assertThat(diskFailures).as("absent is not an I/O error").isEmpty();
        assertThatThrownBy(() -> store.write(1, 0, data(1, 0, SLICE, 0))).isInstanceOfSatisfying(ExtentStoreException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.NO_SPACE));

        assertThat(store.attachDevice(device())).hasValue("d1");
        assertThat(usage().online()).isTrue();
        store.write(1, 0, data(1, 0, SLICE, 0));
        assertThat(store.attachDevice(device())).as("already attached").isEmpty();
        assertThat(store.attachDevice(SimDisks.open("sim-other", dir.resolve("other.img"), 8 * SLOT))).isEmpty();

        assertThat(store.detachDevice("sim-d1")).hasValue("d1");
        assertThat(usage().online()).isFalse();
        assertThat(store.device("d1")).isEmpty();
        assertThatThrownBy(() -> store.read(1, 0, SLICE)).isInstanceOfSatisfying(DiskException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.DISK_OFFLINE));

        assertThat(store.attachDevice(device())).hasValue("d1");
        assertThat(usage().online()).isTrue();
        assertThat(bytes(store.read(1, 0, SLICE))).isEqualTo(TestData.slice(1, 0, 0));
    }

    @Test
    void givenWrites_thenLastWrittenIsTheRecordedWallClockTime() throws Exception {
        open();
        store.write(1, 0, data(1, 0, SLICE, 0));
        assertThat(store.lastWritten(1)).hasValue(wall.now());
        wall.advance(Duration.ofMinutes(5));
        store.write(1, SLICE, data(1, SLICE, SLICE, 0));
        Instant written = wall.now();
        wall.advance(Duration.ofMinutes(5));
        closeStore();
        open();
        assertThat(store.lastWritten(1)).as("persisted in the record").hasValue(written);
        assertThat(store.lastWritten(2)).isEmpty();
    }

    @Test
    void givenAnEgroupWrittenAfterTheCutoff_whenDeletedIfUnwrittenSince_thenItIsKept_andAnOlderOneGoes() throws Exception {
        open();
        store.write(1, 0, data(1, 0, SLICE, 0));
        Instant cutoff = wall.now().plusSeconds(1);
        assertThat(store.deleteIfUnwrittenSince(1, wall.now())).as("written at the cutoff itself: kept").isFalse();
        wall.advance(Duration.ofMinutes(5));
        store.write(2, 0, data(2, 0, SLICE, 0)); // written after the cutoff
        assertThat(store.deleteIfUnwrittenSince(2, cutoff)).isFalse();
        assertThat(store.contains(2)).isTrue();
        assertThat(store.deleteIfUnwrittenSince(1, cutoff)).isTrue();
        assertThat(store.contains(1)).isFalse();
        assertThat(store.deleteIfUnwrittenSince(1, cutoff)).as("gone already").isFalse();
    }
}
