package io.cairn.volumes.internal;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import io.cairn.cluster.api.NodeIdentity;
import io.cairn.storage.api.stargate.VDiskIo;

/** What the Volumes portals need from the cluster (Zeus and Stargate in production, a fake in tests). */
interface ClusterView {

    /** Every node of the cluster. */
    List<NodeIdentity> nodes();

    /** The nodes whose Volumes portal is open (their Zeus presence is there). */
    Set<UUID> healthy();

    UUID self();

    /** The data services IP, if one is set. */
    Optional<String> dsip();

    Optional<VolumeGroup> group(String name);

    List<VolumeGroup> groups();

    /** Opens a disk's vDisk for I/O. */
    VDiskIo open(UUID vdisk);
}
