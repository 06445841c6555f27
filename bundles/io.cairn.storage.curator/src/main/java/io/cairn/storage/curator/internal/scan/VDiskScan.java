package io.cairn.storage.curator.internal.scan;

import java.util.List;
import java.util.Objects;

import io.cairn.storage.api.stargate.ExtentGroups;
import io.cairn.storage.api.stargate.VDisk;

/**
 * What a map task returns per vDisk: the vDisk as the catalog lists it, its extent-group records
 * as Medusa holds them and those of its groups no vBlock maps any more (garbage to reclaim).
 *
 * @param vdisk        the vDisk (uuid, name, container, replication factor)
 * @param egroups      its extent groups: replicas (nodes) and slots in use
 * @param unreferenced ids of its extent groups no vBlock maps (read after the records)
 */
public record VDiskScan(VDisk vdisk, List<ExtentGroups.ExtentGroup> egroups, List<Long> unreferenced) {

    /** Copies the lists. */
    public VDiskScan {
        Objects.requireNonNull(vdisk, "vdisk");
        egroups = List.copyOf(egroups);
        unreferenced = List.copyOf(unreferenced);
    }

    /** A vDisk none of whose extent groups is known to be unreferenced. */
    public VDiskScan(VDisk vdisk, List<ExtentGroups.ExtentGroup> egroups) {
        this(vdisk, egroups, List.of());
    }
}
