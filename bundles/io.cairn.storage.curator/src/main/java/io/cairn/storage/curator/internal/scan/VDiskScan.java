package io.cairn.storage.curator.internal.scan;

import java.util.List;
import java.util.Objects;

import io.cairn.storage.api.stargate.ExtentGroups;
import io.cairn.storage.api.stargate.VDisk;

/**
 * What a map task returns per vDisk: the vDisk as the catalog lists it and its extent-group records
 * as Medusa holds them.
 *
 * @param vdisk the vDisk (uuid, name, container, replication factor)
 * @param egroups its extent groups: replicas (nodes) and slots in use
 */
public record VDiskScan(VDisk vdisk, List<ExtentGroups.ExtentGroup> egroups) {

    /** Copies the list. */
    public VDiskScan {
        Objects.requireNonNull(vdisk, "vdisk");
        egroups = List.copyOf(egroups);
    }
}
