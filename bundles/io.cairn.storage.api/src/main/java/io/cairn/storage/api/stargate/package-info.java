/**
 * Stargate: the cluster's data path. The storage pool (every data disk of every node), containers
 * (a slice of the pool with a replication factor) and vDisks (thin virtual disks up to
 * 2<sup>63</sup>−1 bytes) and their I/O. Each vDisk is served by one owning Stargate at a time;
 * an {@link io.cairn.storage.api.stargate.VDiskIo} opened on any node reaches it.
 */
@Export
@Version("1.5.0")
package io.cairn.storage.api.stargate;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
