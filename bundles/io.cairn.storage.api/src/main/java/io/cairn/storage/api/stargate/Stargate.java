package io.cairn.storage.api.stargate;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The cluster's storage objects and their I/O, from any node. Every method may throw
 * {@link StargateException}; its reason says how it failed and its message what to do.
 */
@ProviderType
public interface Stargate {

    /**
     * The Zeus presence every running Stargate announces (its node's disks and their state in the
     * attributes): a node's Stargate is up while this presence is there.
     */
    String PRESENCE = "Stargate";

    /** The largest vDisk: 2<sup>63</sup>−1 bytes. */
    long MAX_VDISK_BYTES = Long.MAX_VALUE;

    /** The storage pool: every data disk of every node of the cluster. */
    StoragePool pool();

    List<Container> containers();

    Optional<Container> container(String name);

    /**
     * Creates a container. Its replication factor must be one the cluster can hold on distinct
     * fault domains (RF3 needs fault tolerance 2 and at least 5 nodes); {@code INVALID_REQUEST}
     * otherwise, naming the limit.
     */
    Container createContainer(ContainerSpec spec);

    /** Deletes an empty container; {@code FAILED_PRECONDITION} while it still holds vDisks. */
    void deleteContainer(String name);

    List<VDisk> vdisks(String container);

    /** Every vDisk of every container, read in one pass over the catalog (since 1.5.0). */
    List<VDisk> vdisks();

    Optional<VDisk> vdisk(UUID vdisk);

    Optional<VDisk> vdisk(String container, String name);

    /** Creates a thin vDisk of {@code sizeBytes} (1 to {@link #MAX_VDISK_BYTES}; block I/O covers its whole 512-byte blocks). */
    VDisk createVDisk(String container, String name, long sizeBytes);

    /** Grows a vDisk (shrinking would lose data and is refused). */
    VDisk resizeVDisk(UUID vdisk, long sizeBytes);

    /** Deletes a vDisk and, in the background, its data. */
    void deleteVDisk(UUID vdisk);

    /** Opens a vDisk for I/O; the handle routes each request to the vDisk's owning Stargate. */
    VDiskIo open(UUID vdisk);
}
