package io.cairn.storage.stargate.internal.estore;

import static io.cairn.storage.stargate.internal.estore.TestData.SLICE;
import static io.cairn.storage.stargate.internal.estore.TestData.bytes;
import static io.cairn.storage.stargate.internal.estore.TestData.data;
import static io.cairn.storage.stargate.internal.estore.TestData.egroupFile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.storage.stargate.internal.estore.ExtentStoreException.Reason;

/**
 * Two disks: placement by free space, capacity, offline disks, disk I/O errors. Directory disks here;
 * {@link ExtentStoreDisksOnDeviceTest} runs the same tests on hal.sim block devices.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExtentStoreDisksTest {

    static final int MIB = 1 << 20;

    @TempDir
    Path dir;
    LocalMetadata metadata;
    ExtentStore store;
    final List<DiskException> diskFailures = new CopyOnWriteArrayList<>();
    final Medium medium = medium();

    /** Where the disks keep their data. */
    Medium medium() {
        return Medium.files();
    }

    ExtentStore open(long capacityBytes) {
        metadata = LocalMetadata.open(dir.resolve("home"));
        store = medium.open(metadata.store(), List.of(medium.spec("d1", dir.resolve("d1"), capacityBytes),
                medium.spec("d2", dir.resolve("d2"), capacityBytes)), diskFailures::add);
        return store;
    }

    @AfterEach
    void close() throws Exception {
        if (store != null) {
            store.close();
            metadata.close();
        }
    }

    @AfterEach
    void closeMedium() throws Exception {
        medium.close();
    }

    void filesOnly() {
        org.junit.jupiter.api.Assumptions.assumeFalse(medium.isDevice(), "directory disks only (ExtentStoreDeviceTest has the device's)");
    }

    DiskUsage usage(String diskId) {
        return store.usage().stream().filter(u -> u.diskId().equals(diskId)).findFirst().orElseThrow();
    }

    String diskOf(long egroupId) {
        return store.location(egroupId).orElseThrow().diskId();
    }

    @Test
    void givenTwoDisks_whenEgroupsCreated_thenEachGoesToTheDiskWithMostFreeSpace() throws Exception {
        open(16 * MIB);
        store.write(1, 0, data(1, 0, MIB, 0));
        assertThat(diskOf(1)).as("equal free space: configuration order").isEqualTo("d1");
        store.write(2, 0, data(2, 0, SLICE, 0));
        store.write(3, 0, data(3, 0, SLICE, 0));
        assertThat(diskOf(2)).isEqualTo("d2");
        assertThat(diskOf(3)).as("d2 still has more free space").isEqualTo("d2");
        store.write(4, 0, data(4, 0, 2 * MIB, 0));
        assertThat(diskOf(4)).isEqualTo("d2");
        store.write(5, 0, data(5, 0, SLICE, 0));
        assertThat(diskOf(5)).isEqualTo("d1");

        assertThat(store.usage()).containsExactly(
                new DiskUsage("d1", dir.resolve("d1"), true, MIB + SLICE, 16 * MIB, 2),
                new DiskUsage("d2", dir.resolve("d2"), true, 2 * MIB + 2 * SLICE, 16 * MIB, 3));
        assertThat(store.listOnDisk("d1")).containsExactly(1L, 5L);
        assertThat(store.listOnDisk("d2")).containsExactly(2L, 3L, 4L);
        assertThat(medium.hasData(metadata.store(), dir.resolve("d2"), 4)).isTrue();

        // usage is rebuilt from the metadata's disk index after a restart
        List<DiskUsage> before = store.usage();
        close();
        open(16 * MIB);
        assertThat(store.usage()).isEqualTo(before);
        assertThat(bytes(store.read(4, 0, 2 * MIB))).isEqualTo(bytes(data(4, 0, 2 * MIB, 0)));
    }

    @Test
    void givenFullDisks_whenWriting_thenNoSpace_andDeleteFreesSpace() {
        open(MIB);
        store.write(1, 0, data(1, 0, MIB, 0));
        store.write(2, 0, data(2, 0, MIB, 0));
        assertThat(diskOf(1)).isNotEqualTo(diskOf(2));

        assertThatThrownBy(() -> store.write(3, 0, data(3, 0, SLICE, 0))).isInstanceOfSatisfying(ExtentStoreException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.NO_SPACE)).hasMessageContaining("0000000000000003");
        assertThatThrownBy(() -> store.write(1, MIB, data(1, MIB, SLICE, 0))).isInstanceOfSatisfying(ExtentStoreException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.NO_SPACE)).hasMessageContaining("disk '" + diskOf(1) + "'");
        assertThat(store.contains(3)).isFalse();
        // overwriting written slices needs no new space
        store.write(1, 0, data(1, 0, SLICE, 1));

        String freed = diskOf(1);
        assertThat(store.delete(1)).isTrue();
        assertThat(usage(freed).usedBytes()).isZero();
        assertThat(usage(freed).egroups()).isZero();
        assertThat(medium.hasData(metadata.store(), dir.resolve(freed), 1)).isFalse();
        store.write(3, 0, data(3, 0, SLICE, 0));
        assertThat(diskOf(3)).isEqualTo(freed);
    }

    @Test
    void givenNamedDisk_whenWriting_thenEgroupCreatedThere_andMustStayThere() {
        open(16 * MIB);
        store.write(1, 0, data(1, 0, SLICE, 0), "d2");
        assertThat(diskOf(1)).isEqualTo("d2");
        store.write(1, SLICE, data(1, SLICE, SLICE, 0), "d2");
        assertThatThrownBy(() -> store.write(1, 0, data(1, 0, SLICE, 0), "d1")).isInstanceOfSatisfying(ExtentStoreException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_REQUEST)).hasMessageContaining("is on disk 'd2'");
    }

    @Test
    void givenDiskTakenOffline_thenItsEgroupsAreUnavailable_andNewEgroupsGoElsewhere() {
        open(16 * MIB);
        store.write(1, 0, data(1, 0, SLICE, 0), "d1");
        store.write(2, 0, data(2, 0, SLICE, 0), "d2");
        store.write(3, 0, data(3, 0, SLICE, 0), "d1");

        assertThat(store.takeOffline("d1")).containsExactly(1L, 3L);

        assertThat(store.location(1)).hasValue(new EgroupLocation(1, "d1", false, 1));
        assertThat(store.list()).extracting(EgroupLocation::available).containsExactly(false, true, false);
        assertThat(usage("d1").online()).isFalse();
        assertThatThrownBy(() -> store.read(1, 0, SLICE)).isInstanceOfSatisfying(DiskException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.DISK_OFFLINE);
            assertThat(e.diskId()).isEqualTo("d1");
        }).hasMessageContaining("offline");
        assertThatThrownBy(() -> store.write(3, SLICE, data(3, SLICE, SLICE, 0))).isInstanceOfSatisfying(DiskException.class,
                e -> assertThat(e.diskId()).isEqualTo("d1"));
        assertThatThrownBy(() -> store.verify(3)).isInstanceOf(DiskException.class);
        assertThat(bytes(store.read(2, 0, SLICE))).isEqualTo(TestData.slice(2, 0, 0));
        store.write(4, 0, data(4, 0, SLICE, 0));
        assertThat(diskOf(4)).isEqualTo("d2");
        assertThat(diskFailures).as("taking a disk offline is not an I/O error").isEmpty();

        // an egroup on an offline disk can still be deleted (its file goes when the store next opens)
        assertThat(store.delete(3)).isTrue();
        assertThat(store.listOnDisk("d1")).containsExactly(1L);
    }

    @Test
    void givenDiskTakenOffline_whenBroughtOnline_thenItsEgroupsAreAvailableAgainAndThoseDeletedMeanwhileAreGone() throws Exception {
        open(16 * MIB);
        store.write(1, 0, data(1, 0, SLICE, 0), "d1");
        store.write(3, 0, data(3, 0, SLICE, 0), "d1");
        store.takeOffline("d1");
        assertThat(store.delete(3)).isTrue();

        assertThat(store.bringOnline("d1")).isTrue();

        assertThat(usage("d1").online()).isTrue();
        assertThat(store.location(1)).hasValue(new EgroupLocation(1, "d1", true, 1));
        assertThat(bytes(store.read(1, 0, SLICE))).isEqualTo(TestData.slice(1, 0, 0));
        assertThat(medium.hasData(metadata.store(), dir.resolve("d1"), 3)).as("deleted while offline").isFalse();
        assertThat(store.bringOnline("d1")).as("already online").isTrue();
        assertThat(diskFailures).isEmpty();
    }

    @Test
    void givenOfflineDiskWhoseDirectoryIsGone_whenBroughtOnline_thenItStaysOffline() throws Exception {
        filesOnly();
        open(16 * MIB);
        store.write(1, 0, data(1, 0, SLICE, 0), "d1");
        store.takeOffline("d1");
        Files.delete(egroupFile(dir.resolve("d1"), 1));
        Files.delete(dir.resolve("d1").resolve(ExtentStore.DIRECTORY));

        assertThat(store.bringOnline("d1")).isFalse();

        assertThat(usage("d1").online()).isFalse();
        assertThatThrownBy(() -> store.read(1, 0, SLICE)).isInstanceOf(DiskException.class);
    }

    @Test
    void givenEgroupFileLostOnDisk_whenRead_thenDiskIoErrorNamesTheDiskAndIsReported() throws Exception {
        filesOnly();
        open(16 * MIB);
        store.write(7, 0, data(7, 0, SLICE, 0), "d2");
        Files.delete(egroupFile(dir.resolve("d2"), 7));

        assertThatThrownBy(() -> store.read(7, 0, SLICE)).isInstanceOfSatisfying(DiskException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.DISK_IO_ERROR);
            assertThat(e.diskId()).isEqualTo("d2");
        }).hasMessageContaining("disk 'd2'").hasMessageContaining("0000000000000007");
        assertThat(diskFailures).singleElement().satisfies(e -> assertThat(e.diskId()).isEqualTo("d2"));
        assertThat(store.counters().diskIoErrors()).isEqualTo(1);
        assertThat(usage("d2").online()).as("disk health decides, not the store").isTrue();
    }

    @Test
    void givenUnusableDiskRoot_whenOpened_thenThatDiskStartsOfflineAndIsReported() throws Exception {
        filesOnly();
        Files.writeString(dir.resolve("d1"), "a file where the disk's directory should be");
        open(16 * MIB);

        assertThat(usage("d1").online()).isFalse();
        assertThat(diskFailures).singleElement().satisfies(e -> assertThat(e.diskId()).isEqualTo("d1"));
        store.write(1, 0, data(1, 0, SLICE, 0));
        assertThat(diskOf(1)).isEqualTo("d2");
    }
}
