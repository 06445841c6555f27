package io.cairn.storage.api.layout;

import java.util.List;

/**
 * A node's drive layout.
 *
 * @param rfMax highest replication factor of any container, which sized the OpLog
 * @param oplogDevices number of devices carrying OpLog (N in the reservation formula)
 * @param disks one layout per disk, in the node's disk order
 * @param warnings conditions to raise as warning alerts, e.g. unmirrored Home on a single-SSD
 *     node; empty when none
 */
public record NodeLayout(int rfMax, int oplogDevices, List<DiskLayout> disks, List<String> warnings) {

    public NodeLayout {
        disks = List.copyOf(disks);
        warnings = List.copyOf(warnings);
    }
}
