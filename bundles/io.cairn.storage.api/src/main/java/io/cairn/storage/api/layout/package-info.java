/**
 * Drive layout of a node (spec 10 §7, spec 20 §2): which layers (Home, metadata, OpLog, Curator
 * reservation, extent store) each physical disk carries and their byte ranges. A pure function of
 * the node's disk inventory and the highest container RF ({@link DriveLayout#plan}); the records
 * are plain data. Foundation partitions a bare node's disks with it; Stargate sizes its OpLog
 * with {@link DriveLayout#oplogReservationBytes}.
 */
@Export
@Version("1.0.0")
package io.cairn.storage.api.layout;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
