package io.cairn.volumes.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.api.Zeus;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;
import io.cairn.common.ready.ReadyMarker;
import io.cairn.storage.api.stargate.Stargate;
import io.cairn.storage.api.stargate.VDisk;

/**
 * The management operations on volume groups (spec 50 §1 interfaces), from any node: the groups are
 * Zeus documents ({@link VolumeStore}), their disks vDisks created, grown and deleted through
 * Stargate. Every rule of {@link VolumeRules} is checked before anything changes.
 *
 * <p>A disk is added in three steps so an index is never used twice: its index is taken (the group's
 * {@code next_index} grows), its vDisk {@code vg-<vg uuid>-d<index>} is created, and the disk is
 * added to the group; when the group is gone meanwhile the vDisk is deleted again. A disk and a
 * group are removed from Zeus first and their vDisks deleted after, so a target never names a
 * deleted vDisk.
 */
@Component(service = VolumeService.class, property = ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE)
public final class VolumeService {

    private final Logger logger = LoggerFactory.getLogger(VolumeService.class);
    private final VolumeStore store;
    private final Stargate stargate;

    @Activate
    public VolumeService(@Reference Zeus zeus, @Reference Stargate stargate) {
        this(new VolumeStore(zeus), stargate);
    }

    VolumeService(VolumeStore store, Stargate stargate) {
        this.store = store;
        this.stargate = stargate;
    }

    VolumeStore store() {
        return store;
    }

    public VolumeGroup create(String name, boolean shared, String targetSecret) {
        VolumeRules.checkName(name);
        VolumeRules.checkSecret("target", targetSecret);
        VolumeGroup vg = new VolumeGroup(name, UUID.randomUUID(), shared, targetSecret, 0, List.of(), List.of());
        store.create(vg);
        logger.info("volume group {} ({}) created{}", name, vg.uuid(), shared ? ", shared" : "");
        return vg;
    }

    public VolumeGroup get(String name) {
        return store.group(name).orElseThrow(() -> VolumeStore.missing(name));
    }

    public List<VolumeGroup> list() {
        return store.groups();
    }

    /** Deletes a group without attachments and then its disks' vDisks. */
    public VolumeGroup delete(String name) {
        VolumeGroup vg = store.delete(name, g -> {
            if (!g.attachments().isEmpty()) {
                throw new CairnException(ErrorCode.FAILED_PRECONDITION, "volume group " + name + " is attached to "
                        + g.attachments().stream().map(VolumeGroup.Attachment::iqn).toList() + "; detach them (vg.detach_external) first");
            }
        });
        vg.disks().forEach(d -> deleteVDisk(vg, d));
        logger.info("volume group {} ({}) deleted with its {} disks", name, vg.uuid(), vg.disks().size());
        return vg;
    }

    /** Adds a disk of {@code sizeText} (see {@link VolumeRules#parseSize}) in {@code container}; returns the disk. */
    public VolumeGroup.Disk createDisk(String name, String container, String sizeText) {
        long size = VolumeRules.parseSize(sizeText);
        if (container == null || container.isEmpty()) {
            throw CairnException.invalid("container= is required: the container the disk's vDisk is created in");
        }
        if (stargate.container(container).isEmpty()) {
            throw CairnException.notFound("no container named " + container + "; ncli container list shows them");
        }
        int[] index = new int[1];
        VolumeGroup vg = store.update(name, g -> {
            if (g.disks().size() >= VolumeRules.MAX_DISKS) {
                throw new CairnException(ErrorCode.RESOURCE_EXHAUSTED, "volume group " + name + " has " + g.disks().size()
                        + " disks, the most a group may have (" + VolumeRules.MAX_DISKS + "); use another volume group");
            }
            index[0] = g.nextIndex();
            return g.withNextIndex(g.nextIndex() + 1);
        });
        VDisk vdisk = stargate.createVDisk(container, "vg-" + vg.uuid() + "-d" + index[0], size);
        VolumeGroup.Disk disk = new VolumeGroup.Disk(index[0], vdisk.uuid(), container);
        try {
            store.update(name, g -> {
                if (!g.uuid().equals(vg.uuid())) {
                    throw VolumeStore.missing(name);
                }
                return g.withDisks(ds -> {
                    ds.add(disk);
                    ds.sort(java.util.Comparator.comparingInt(VolumeGroup.Disk::index));
                    return ds;
                });
            });
        } catch (CairnException e) {
            deleteVDisk(vg, disk);
            throw e;
        }
        logger.info("volume group {}: disk {} of {} bytes created in container {} (vDisk {})", name, index[0], size, container, vdisk.uuid());
        return disk;
    }

    /** Grows disk {@code index} to {@code sizeText}; shrinking is refused. Returns the new size. */
    public long resizeDisk(String name, int index, String sizeText) {
        long size = VolumeRules.parseSize(sizeText);
        VolumeGroup.Disk disk = get(name).disk(index).orElseThrow(() -> noDisk(name, index));
        long now = stargate.vdisk(disk.vdisk()).map(VDisk::sizeBytes).orElseThrow(() -> new CairnException(ErrorCode.INTERNAL,
                "the vDisk " + disk.vdisk() + " of disk " + index + " of volume group " + name + " is missing"));
        if (size < now) {
            throw new CairnException(ErrorCode.FAILED_PRECONDITION, "disk " + index + " of volume group " + name + " has " + now
                    + " bytes; disks only grow (shrinking would lose data), give new_size of at least " + now + " bytes");
        }
        if (size > now) {
            stargate.resizeVDisk(disk.vdisk(), size);
            logger.info("volume group {}: disk {} grown from {} to {} bytes", name, index, now, size);
        }
        return size;
    }

    /** Removes disk {@code index} and deletes its vDisk; its index is not used again. */
    public VolumeGroup.Disk deleteDisk(String name, int index) {
        return deleteDisk(name, index, (vg, d) -> {
        });
    }

    /**
     * Removes disk {@code index} from the group, runs {@code beforeDelete} with the changed group (the
     * caller ends the sessions that still use the disk), then deletes its vDisk.
     */
    public VolumeGroup.Disk deleteDisk(String name, int index, java.util.function.BiConsumer<VolumeGroup, VolumeGroup.Disk> beforeDelete) {
        VolumeGroup.Disk[] gone = new VolumeGroup.Disk[1];
        VolumeGroup vg = store.update(name, g -> {
            gone[0] = g.disk(index).orElseThrow(() -> noDisk(name, index));
            return g.withDisks(ds -> {
                ds.removeIf(d -> d.index() == index);
                return ds;
            });
        });
        beforeDelete.accept(vg, gone[0]);
        deleteVDisk(vg, gone[0]);
        logger.info("volume group {}: disk {} deleted (vDisk {})", name, index, gone[0].vdisk());
        return gone[0];
    }

    /** Gives {@code iqn} access; a second initiator needs a shared group. */
    public VolumeGroup.Attachment attach(String name, String iqn, String initiatorSecret, Integer numVirtualTargets) {
        String initiator = VolumeRules.checkInitiator(iqn);
        VolumeRules.checkSecret("initiator", initiatorSecret);
        int n = VolumeRules.checkVirtualTargets(numVirtualTargets == null ? VolumeRules.MAX_VIRTUAL_TARGETS : numVirtualTargets);
        VolumeGroup.Attachment a = new VolumeGroup.Attachment(initiator, initiatorSecret, n);
        store.update(name, g -> {
            if (g.attachment(initiator).isPresent()) {
                throw new CairnException(ErrorCode.ALREADY_EXISTS, initiator + " is attached to volume group " + name
                        + " already; detach it first to change its settings");
            }
            if (!g.shared() && !g.attachments().isEmpty()) {
                throw new CairnException(ErrorCode.FAILED_PRECONDITION, "volume group " + name + " is not shared and is attached to "
                        + g.attachments().get(0).iqn() + "; more than one initiator needs a group created with shared=true");
            }
            VolumeRules.checkDistinct(g.targetSecret(), initiatorSecret);
            return g.withAttachments(as -> {
                as.add(a);
                return as;
            });
        });
        logger.info("volume group {} attached to {} ({} virtual targets{})", name, initiator, n, initiatorSecret != null ? ", CHAP" : "");
        return a;
    }

    /** Withdraws {@code iqn}'s access (the caller ends its live sessions). */
    public VolumeGroup detach(String name, String iqn) {
        VolumeGroup vg = store.update(name, g -> {
            if (g.attachment(iqn).isEmpty()) {
                throw CairnException.notFound(iqn + " is not attached to volume group " + name);
            }
            return g.withAttachments(as -> {
                as.removeIf(a -> a.iqn().equalsIgnoreCase(iqn));
                return as;
            });
        });
        logger.info("volume group {} detached from {}", name, iqn);
        return vg;
    }

    /** Sets the data services IP (an IPv4 or IPv6 literal). */
    public String setDsip(String ip) {
        if (ip == null || ip.isBlank() || !(ip.matches("[0-9.]+") || ip.contains(":"))) {
            throw CairnException.invalid("external-data-services-ip-address='" + ip + "' is not an IP address; give one like 10.0.0.50");
        }
        String literal;
        try {
            literal = InetAddress.getByName(ip).getHostAddress(); // a literal: no name lookup
        } catch (UnknownHostException e) {
            throw CairnException.invalid("external-data-services-ip-address='" + ip + "' is not an IP address; give one like 10.0.0.50");
        }
        store.setDsip(literal);
        logger.info("data services IP set to {}", literal);
        return literal;
    }

    public Optional<String> dsip() {
        return store.dsip();
    }

    /** The vDisk of a disk (size, container), if it still exists. */
    public Optional<VDisk> vdisk(VolumeGroup.Disk disk) {
        return stargate.vdisk(disk.vdisk());
    }

    private void deleteVDisk(VolumeGroup vg, VolumeGroup.Disk d) {
        try {
            stargate.deleteVDisk(d.vdisk());
        } catch (CairnException e) {
            if (e.code() != ErrorCode.NOT_FOUND) {
                logger.warn("volume group {}: the vDisk {} of removed disk {} could not be deleted ({}); delete it with the vDisk tools",
                        vg.name(), d.vdisk(), d.index(), e.getMessage());
            }
        }
    }

    private static CairnException noDisk(String name, int index) {
        return CairnException.notFound("volume group " + name + " has no disk with index " + index + "; vg.get " + name + " lists its disks");
    }
}
