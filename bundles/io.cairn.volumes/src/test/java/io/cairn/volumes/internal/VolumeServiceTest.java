package io.cairn.volumes.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

class VolumeServiceTest {

    private static final String X = "iqn.2026-01.org.example:x";
    private static final String Y = "iqn.2026-01.org.example:y";

    private final FakeZeus zeus = new FakeZeus();
    private final FakeStargate stargate = new FakeStargate();
    private final VolumeService volumes = new VolumeService(new VolumeStore(zeus), stargate);

    private static ErrorCode code(Runnable r) {
        try {
            r.run();
        } catch (CairnException e) {
            return e.code();
        }
        throw new AssertionError("not refused");
    }

    @Test
    void givenAGroup_whenCreatedAgainWithTheSameName_thenAlreadyExists() {
        volumes.create("vg1", false, null);

        assertThat(code(() -> volumes.create("vg1", true, null))).isEqualTo(ErrorCode.ALREADY_EXISTS);
        assertThat(volumes.list()).extracting(VolumeGroup::name).containsExactly("vg1");
    }

    @Test
    void givenDisks_whenCreatedAndDeleted_thenIndexesAreNeverReusedAndVDisksFollow() {
        volumes.create("vg1", false, null);
        VolumeGroup.Disk d0 = volumes.createDisk("vg1", FakeStargate.CONTAINER, "1M");
        VolumeGroup.Disk d1 = volumes.createDisk("vg1", FakeStargate.CONTAINER, "2M");
        volumes.deleteDisk("vg1", 1);
        VolumeGroup.Disk d2 = volumes.createDisk("vg1", FakeStargate.CONTAINER, "3M");

        assertThat(List.of(d0.index(), d1.index(), d2.index())).containsExactly(0, 1, 2);
        assertThat(volumes.get("vg1").disks()).extracting(VolumeGroup.Disk::index).containsExactly(0, 2);
        assertThat(stargate.vdisks).containsOnlyKeys(d0.vdisk(), d2.vdisk());
        assertThat(stargate.vdisks.get(d2.vdisk()).sizeBytes()).isEqualTo(3L << 20);
    }

    @Test
    void givenADisk_whenResized_thenItGrowsAndAShrinkIsRefused() {
        volumes.create("vg1", false, null);
        VolumeGroup.Disk d = volumes.createDisk("vg1", FakeStargate.CONTAINER, "2M");

        assertThat(volumes.resizeDisk("vg1", 0, "4M")).isEqualTo(4L << 20);
        assertThat(stargate.vdisks.get(d.vdisk()).sizeBytes()).isEqualTo(4L << 20);
        assertThatThrownBy(() -> volumes.resizeDisk("vg1", 0, "3M")).hasMessageContaining("only grow");
        assertThat(stargate.vdisks.get(d.vdisk()).sizeBytes()).isEqualTo(4L << 20);
        assertThat(code(() -> volumes.resizeDisk("vg1", 7, "8M"))).isEqualTo(ErrorCode.NOT_FOUND);
    }

    @Test
    void givenAFullGroup_whenA257thDiskIsCreated_thenItIsRefusedAndNoVDiskIsLeft() {
        volumes.create("vg1", false, null);
        for (int i = 0; i < 256; i++) {
            volumes.createDisk("vg1", FakeStargate.CONTAINER, "1M");
        }

        assertThat(code(() -> volumes.createDisk("vg1", FakeStargate.CONTAINER, "1M"))).isEqualTo(ErrorCode.RESOURCE_EXHAUSTED);
        assertThat(stargate.vdisks).hasSize(256);
    }

    @Test
    void givenAnUnknownContainerOrBadSize_whenADiskIsCreated_thenRefusedBeforeAnythingChanges() {
        volumes.create("vg1", false, null);

        assertThat(code(() -> volumes.createDisk("vg1", "nope", "1G"))).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(code(() -> volumes.createDisk("vg1", FakeStargate.CONTAINER, "1000"))).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(volumes.get("vg1").nextIndex()).isZero();
    }

    @Test
    void givenANonSharedGroup_whenASecondInitiatorIsAttached_thenRefused_andASharedGroupTakesIt() {
        volumes.create("solo", false, null);
        volumes.create("both", true, null);
        volumes.attach("solo", X, null, null);
        volumes.attach("both", X, null, 4);
        volumes.attach("both", Y, null, null);

        assertThatThrownBy(() -> volumes.attach("solo", Y, null, null)).hasMessageContaining("shared=true");
        assertThat(volumes.get("both").attachments()).extracting(VolumeGroup.Attachment::numVirtualTargets).containsExactly(4, 32);
        assertThat(code(() -> volumes.attach("both", X, null, null))).isEqualTo(ErrorCode.ALREADY_EXISTS);
    }

    @Test
    void givenInvalidIqnOrSecrets_whenAttached_thenRefused() {
        volumes.create("vg1", true, "target-secret-1");

        assertThatThrownBy(() -> volumes.attach("vg1", "host1", null, null)).hasMessageContaining("not an iSCSI initiator name");
        assertThatThrownBy(() -> volumes.attach("vg1", X, "eleven-byte", null)).hasMessageContaining("11 bytes");
        assertThatThrownBy(() -> volumes.attach("vg1", X, "target-secret-1", null)).hasMessageContaining("must differ");
        assertThatThrownBy(() -> volumes.attach("vg1", X, null, 33)).hasMessageContaining("1 to 32");
        assertThatThrownBy(() -> volumes.create("vg2", false, "short")).hasMessageContaining("5 bytes");
        assertThat(volumes.get("vg1").attachments()).isEmpty();
    }

    @Test
    void givenAnAttachedGroup_whenDeleted_thenRefused_andAfterDetachItGoesWithItsVDisks() {
        volumes.create("vg1", false, null);
        volumes.createDisk("vg1", FakeStargate.CONTAINER, "1M");
        volumes.attach("vg1", X, null, null);

        assertThat(code(() -> volumes.delete("vg1"))).isEqualTo(ErrorCode.FAILED_PRECONDITION);
        volumes.detach("vg1", X.toUpperCase());
        volumes.delete("vg1");
        assertThat(volumes.list()).isEmpty();
        assertThat(stargate.vdisks).isEmpty();
        assertThat(code(() -> volumes.detach("vg1", X))).isEqualTo(ErrorCode.NOT_FOUND);
    }

    @Test
    void givenAConcurrentChange_whenAnAttachWrites_thenBothChangesAreKept() {
        volumes.create("vg1", true, null);
        zeus.beforeWrite = () -> volumes.attach("vg1", Y, null, null); // another node's attach lands first

        volumes.attach("vg1", X, null, null);

        assertThat(volumes.get("vg1").attachments()).extracting(VolumeGroup.Attachment::iqn).containsExactlyInAnyOrder(X, Y);
    }

    @Test
    void givenADsip_whenSet_thenItIsStoredAsALiteralAndNamesAreRefused() {
        assertThat(volumes.setDsip("127.0.1.140")).isEqualTo("127.0.1.140");
        assertThat(volumes.dsip()).contains("127.0.1.140");
        assertThat(volumes.setDsip("10.0.0.50")).isEqualTo("10.0.0.50");
        assertThat(volumes.dsip()).contains("10.0.0.50");
        assertThatThrownBy(() -> volumes.setDsip("example.com")).hasMessageContaining("not an IP address");
    }
}
