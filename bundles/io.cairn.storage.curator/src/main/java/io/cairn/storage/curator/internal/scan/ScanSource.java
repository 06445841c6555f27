package io.cairn.storage.curator.internal.scan;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import io.cairn.storage.api.stargate.ExtentGroups;
import io.cairn.storage.api.stargate.VDisk;

/** What a map task reads on its node: the catalog, each vDisk's metadata shard and its extent-group records. */
public interface ScanSource {

    /** Every vDisk of every container, as the catalog lists them now. */
    List<VDisk> vdisks();

    /** The Medusa shard that holds every metadata record of the vDisk. */
    int metadataShard(UUID vdisk);

    /** The vDisk's extent-group records; empty when the vDisk was deleted meanwhile. */
    Optional<List<ExtentGroups.ExtentGroup>> egroups(UUID vdisk);

    /**
     * The vDisk's extent groups no vBlock maps any more ({@code ExtentGroups.unreferenced}), read after
     * {@link #egroups}; none when the vDisk was deleted meanwhile or its data path does not unmap.
     */
    default List<Long> unreferenced(UUID vdisk) {
        return List.of();
    }

    /**
     * This source without {@link #unreferenced} (which reads each vDisk's whole block map): what a
     * partial scan reads, since only full scans reclaim.
     */
    default ScanSource withoutGarbage() {
        ScanSource all = this;
        return new ScanSource() {
            @Override
            public List<VDisk> vdisks() {
                return all.vdisks();
            }

            @Override
            public int metadataShard(UUID vdisk) {
                return all.metadataShard(vdisk);
            }

            @Override
            public Optional<List<ExtentGroups.ExtentGroup>> egroups(UUID vdisk) {
                return all.egroups(vdisk);
            }
        };
    }
}
