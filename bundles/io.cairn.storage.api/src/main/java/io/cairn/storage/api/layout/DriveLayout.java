package io.cairn.storage.api.layout;

import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Computes a node's drive layout per spec 20 §2. On each disk the layers are stacked from
 * offset 0 in the order Home, metadata, OpLog, Curator, extent store; "Remaining" for a layer is
 * the formatted capacity minus the layers above it.
 *
 * <h2>Interpretation of the spec's rules</h2>
 * <ul>
 *   <li><b>System devices.</b> The spec places Home and metadata on "the first SSDs". This class
 *       orders the node's flash devices as SSDs first, then NVMe, then Optane, each in the
 *       node's disk order, and calls that list the system devices. With at least two SSDs this is
 *       literally the first two (four) SSDs, which keeps NVMe free for the OpLog; a node with
 *       fewer SSDs (all-NVMe, 1 SSD + NVMe) still gets mirrored Home on flash instead of failing.
 *       Optane comes last because it is the tier-0 device.</li>
 *   <li><b>Home</b>: 60 GiB on each of the first two system devices (a mirror); on a node with a
 *       single flash device it is unmirrored and the layout carries a warning.</li>
 *   <li><b>Metadata</b>: "15 GiB per SSD over up to 4 SSDs (dual SSD: mirrored, 30 GiB; ≥ 4
 *       SSDs: 60 GiB)" is read as 15 GiB on each of the first min(n, 4) system devices, the
 *       parenthesis giving the node's total: 15 GiB for one device, 30 GiB for two (the same
 *       content on both, so 15 GiB usable), 45 GiB for three (the spec is silent; the per-device
 *       rule gives it) and 60 GiB for four or more. Growth into extent-store space is a runtime
 *       matter and not part of the initial layout.</li>
 *   <li><b>OpLog devices</b>: when the node has NVMe or Optane, the OpLog is on those only
 *       (Optane first, then NVMe; Optane without NVMe counts as NVMe-class); otherwise on the
 *       SSDs. Either way at most {@value #MAX_SSDS_FOR_OPLOG_PROPERTY} devices, the first in
 *       that order. HDDs never carry OpLog.</li>
 *   <li><b>OpLog reservation</b> per device, with N OpLog devices and R the device's remaining
 *       bytes below Home and metadata: {@code MIN((RFmax/2)·400 GiB / N, (RFmax/2)·0.25·R)},
 *       with RFmax/2 a real ratio (RF3 → 1.5, as the 75 GiB example needs), computed exactly
 *       in integer bytes and floored to 1 MiB; see {@link #oplogReservationBytes}. R differs per
 *       device (the devices holding Home and metadata have less), so the second term may
 *       differ per device; the first does not.</li>
 *   <li><b>Curator</b>: {@value #CURATOR_RESERVATION_GIB_PROPERTY} GiB on <em>each</em> HDD (spec 10
 *       §7; spec 20 §2 says the first HDD — issue #10 names spec 10, so each HDD it is: Curator's
 *       per-disk work then stays on the disk it scans); on an all-flash node on the first system
 *       device, below its OpLog.</li>
 * </ul>
 * A disk whose reservations leave no extent store is refused with an error that names it and
 * what it needs, as is a node without flash (Home, metadata and OpLog are always on flash).
 */
public final class DriveLayout {

    /** Config property (gflag): most devices per node that carry OpLog. */
    public static final String MAX_SSDS_FOR_OPLOG_PROPERTY = "max_ssds_for_oplog";
    /** Default of {@value #MAX_SSDS_FOR_OPLOG_PROPERTY}. */
    public static final int DEFAULT_MAX_SSDS_FOR_OPLOG = 12;
    /** Config property: Curator reservation in GiB. */
    public static final String CURATOR_RESERVATION_GIB_PROPERTY = "cairn.curator.reservation_gib";
    /** Default of {@value #CURATOR_RESERVATION_GIB_PROPERTY}. */
    public static final int DEFAULT_CURATOR_RESERVATION_GIB = 80;

    /** Home reservation on each of the first two system devices. */
    public static final long HOME_BYTES = 60 * Units.GIB;
    /** Initial metadata reservation per device. */
    public static final long METADATA_BYTES_PER_DEVICE = 15 * Units.GIB;
    /** Devices carrying Home: a mirrored pair. */
    public static final int HOME_DEVICES = 2;
    /** Most devices over which metadata is shared. */
    public static final int MAX_METADATA_DEVICES = 4;

    private static final long OPLOG_BUDGET_PER_HALF_RF_BYTES = 400 * Units.GIB;

    private final int maxSsdsForOplog;
    private final long curatorReservationBytes;

    /**
     * @param maxSsdsForOplog the value of {@value #MAX_SSDS_FOR_OPLOG_PROPERTY}, at least 1
     * @param curatorReservationGib the value of {@value #CURATOR_RESERVATION_GIB_PROPERTY}, not
     *     negative
     */
    public DriveLayout(int maxSsdsForOplog, int curatorReservationGib) {
        if (maxSsdsForOplog < 1) {
            throw CairnException.invalid(MAX_SSDS_FOR_OPLOG_PROPERTY + " is " + maxSsdsForOplog
                    + "; at least one device must carry the OpLog (default " + DEFAULT_MAX_SSDS_FOR_OPLOG + ")");
        }
        if (curatorReservationGib < 0) {
            throw CairnException.invalid(CURATOR_RESERVATION_GIB_PROPERTY + " is " + curatorReservationGib
                    + "; give 0 or more GiB (default " + DEFAULT_CURATOR_RESERVATION_GIB + ")");
        }
        this.maxSsdsForOplog = maxSsdsForOplog;
        this.curatorReservationBytes = curatorReservationGib * Units.GIB;
    }

    /** A layout with the spec's defaults: 12 OpLog devices at most, 80 GiB for Curator. */
    public static DriveLayout withDefaults() {
        return new DriveLayout(DEFAULT_MAX_SSDS_FOR_OPLOG, DEFAULT_CURATOR_RESERVATION_GIB);
    }

    /**
     * Per-device OpLog reservation ceiling of spec 20 §2:
     * {@code MIN((RFmax/2)·400 GiB / N, (RFmax/2)·0.25·R)} in bytes, floored to 1 MiB. Exact:
     * both terms are computed as integer fractions ({@code RFmax·400 GiB / 2N} and
     * {@code RFmax·R / 8}) and truncated once.
     *
     * @param rfMax highest container replication factor, 2 or 3
     * @param oplogDevices N, the node's OpLog devices, at least 1
     * @param remainingBytes R, the device's capacity below Home and metadata, not negative
     */
    public static long oplogReservationBytes(int rfMax, int oplogDevices, long remainingBytes) {
        requireRf(rfMax);
        if (oplogDevices < 1) {
            throw CairnException.invalid("OpLog device count " + oplogDevices + " is below 1");
        }
        if (remainingBytes < 0) {
            throw CairnException.invalid("remaining capacity " + remainingBytes + " bytes is negative");
        }
        long budgetTerm = rfMax * OPLOG_BUDGET_PER_HALF_RF_BYTES / (2L * oplogDevices);
        // rfMax * remaining / 8 without overflowing for any remaining < 2^63
        long remainingTerm = rfMax * (remainingBytes / 8) + rfMax * (remainingBytes % 8) / 8;
        long ceiling = Math.min(budgetTerm, remainingTerm);
        return ceiling - ceiling % Units.MIB;
    }

    /**
     * Lays out a node's disks.
     *
     * @param disks the node's disks in slot order; ids unique, capacities positive
     * @param rfMax highest replication factor of any container in the cluster, 2 or 3
     * @throws CairnException {@code INVALID_ARGUMENT} for malformed input;
     *     {@code FAILED_PRECONDITION} for a node without flash or a disk too small for its
     *     reservations, naming the disk and what it needs
     */
    public NodeLayout plan(List<PhysicalDisk> disks, int rfMax) {
        requireRf(rfMax);
        requireWellFormed(disks);
        List<PhysicalDisk> system = systemDevices(disks);
        if (system.isEmpty()) {
            throw new CairnException(ErrorCode.FAILED_PRECONDITION, "the node has " + disks.size()
                    + " disk(s) and none is flash; Home, metadata and OpLog need at least one NVMe, Optane or SSD"
                    + " device; add one");
        }
        List<PhysicalDisk> home = system.subList(0, Math.min(HOME_DEVICES, system.size()));
        List<PhysicalDisk> metadata = system.subList(0, Math.min(MAX_METADATA_DEVICES, system.size()));
        List<PhysicalDisk> oplog = oplogDevices(disks);
        List<PhysicalDisk> hdds = disks.stream().filter(d -> d.kind() == DiskKind.HDD).toList();
        List<PhysicalDisk> curator = hdds.isEmpty() ? List.of(system.getFirst()) : hdds;

        List<DiskLayout> layouts = new ArrayList<>(disks.size());
        for (PhysicalDisk disk : disks) {
            layouts.add(layOut(disk, home.contains(disk), metadata.contains(disk), oplog.contains(disk),
                    curator.contains(disk), rfMax, oplog.size()));
        }
        List<String> warnings = new ArrayList<>();
        if (system.size() == 1) {
            warnings.add("node has a single flash device '" + system.getFirst().id()
                    + "': Home and metadata are not mirrored and losing it stops this node's controller;"
                    + " add a second SSD");
        }
        return new NodeLayout(rfMax, oplog.size(), layouts, warnings);
    }

    private DiskLayout layOut(PhysicalDisk disk, boolean home, boolean metadata, boolean oplog, boolean curator,
            int rfMax, int oplogDevices) {
        List<LayerExtent> layers = new ArrayList<>();
        long offset = 0;
        if (home) {
            offset = append(layers, Layer.HOME, offset, HOME_BYTES);
        }
        if (metadata) {
            offset = append(layers, Layer.METADATA, offset, METADATA_BYTES_PER_DEVICE);
        }
        long oplogBytes = 0;
        if (oplog && disk.capacityBytes() > offset) {
            oplogBytes = oplogReservationBytes(rfMax, oplogDevices, disk.capacityBytes() - offset);
            offset = append(layers, Layer.OPLOG, offset, oplogBytes);
        }
        if (curator) {
            offset = append(layers, Layer.CURATOR, offset, curatorReservationBytes);
        }
        if (offset >= disk.capacityBytes()) {
            throw tooSmall(disk, layers, oplog, rfMax, oplogDevices, oplogBytes);
        }
        append(layers, Layer.EXTENT_STORE, offset, disk.capacityBytes() - offset);
        return new DiskLayout(disk.id(), disk.kind(), disk.capacityBytes(), layers);
    }

    private CairnException tooSmall(PhysicalDisk disk, List<LayerExtent> layers, boolean oplog, int rfMax,
            int oplogDevices, long oplogBytes) {
        List<String> parts = new ArrayList<>();
        long fixed = 0;
        for (LayerExtent layer : layers) {
            if (layer.layer() != Layer.OPLOG) {
                parts.add(name(layer.layer()) + " " + Units.gib(layer.sizeBytes()));
                fixed += layer.sizeBytes();
            }
        }
        String need = "more than " + Units.gib(fixed) + " (" + String.join(" + ", parts) + ")";
        if (oplog) {
            long oplogCeiling = oplogReservationBytes(rfMax, oplogDevices, Long.MAX_VALUE);
            need += " plus its OpLog share of up to " + Units.gib(oplogCeiling) + " (" + Units.gib(oplogBytes)
                    + " at its size)";
        }
        return new CairnException(ErrorCode.FAILED_PRECONDITION, "disk '" + disk.id() + "' (" + disk.kind() + ", "
                + Units.gib(disk.capacityBytes()) + " formatted) is too small for the layers it must carry: it needs "
                + need + " and leaves no extent store; replace it with a larger disk or put a larger one ahead of it"
                + " in the node's disk order");
    }

    private static String name(Layer layer) {
        return switch (layer) {
            case HOME -> "Home";
            case METADATA -> "metadata";
            case OPLOG -> "OpLog";
            case CURATOR -> "Curator reservation";
            case EXTENT_STORE -> "extent store";
        };
    }

    private static long append(List<LayerExtent> layers, Layer layer, long offset, long size) {
        if (size > 0) {
            layers.add(new LayerExtent(layer, offset, size));
        }
        return offset + size;
    }

    /** Flash devices in the order Home and metadata take them: SSDs, then NVMe, then Optane. */
    private static List<PhysicalDisk> systemDevices(List<PhysicalDisk> disks) {
        return Stream.of(DiskKind.SSD, DiskKind.NVME, DiskKind.OPTANE)
                .flatMap(kind -> disks.stream().filter(d -> d.kind() == kind))
                .toList();
    }

    /** NVMe-class devices (Optane, then NVMe) if the node has any, else SSDs; capped. */
    private List<PhysicalDisk> oplogDevices(List<PhysicalDisk> disks) {
        List<PhysicalDisk> nvmeClass = Stream.of(DiskKind.OPTANE, DiskKind.NVME)
                .flatMap(kind -> disks.stream().filter(d -> d.kind() == kind))
                .toList();
        List<PhysicalDisk> candidates = nvmeClass.isEmpty()
                ? disks.stream().filter(d -> d.kind() == DiskKind.SSD).toList()
                : nvmeClass;
        return candidates.subList(0, Math.min(maxSsdsForOplog, candidates.size()));
    }

    private static void requireRf(int rfMax) {
        if (rfMax != 2 && rfMax != 3) {
            throw CairnException.invalid("highest container RF is " + rfMax
                    + "; containers have RF2 or RF3, so give 2 or 3");
        }
    }

    private static void requireWellFormed(List<PhysicalDisk> disks) {
        if (disks.isEmpty()) {
            throw CairnException.invalid("the node has no disks; a drive layout needs at least one flash device");
        }
        Set<String> ids = new HashSet<>();
        for (PhysicalDisk disk : disks) {
            if (disk.id() == null || disk.id().isBlank() || disk.kind() == null) {
                throw CairnException.invalid("disk " + disk + " has no id or no kind; give each disk both");
            }
            if (!ids.add(disk.id())) {
                throw CairnException.invalid("disk id '" + disk.id() + "' appears twice; disk ids must be unique");
            }
            if (disk.capacityBytes() <= 0) {
                throw CairnException.invalid("disk '" + disk.id() + "' has capacity " + disk.capacityBytes()
                        + " bytes; give its formatted capacity in bytes");
            }
        }
    }

    /** Binary units for sizes and messages. */
    static final class Units {
        static final long MIB = 1L << 20;
        static final long GIB = 1L << 30;

        private Units() {
        }

        static String gib(long bytes) {
            return String.format(Locale.ROOT, "%.1f GiB", (double) bytes / GIB);
        }
    }
}
