package io.cairn.volumes.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A volume group as stored in its Zeus document {@code volumes/vg/<name>} (JSON): the unit of
 * management and of iSCSI access (spec 50 §1). Immutable; changes produce a new value written by
 * compare-and-set.
 *
 * @param name         unique name ({@link VolumeRules#checkName})
 * @param uuid         stable identity, part of the target names
 * @param shared       whether more than one initiator may be attached
 * @param targetSecret the target's mutual-CHAP secret (null: none)
 * @param nextIndex    the index the next disk gets; indexes are never reused
 * @param disks        in index order
 * @param attachments  the initiators allowed in, in attach order
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record VolumeGroup(@JsonProperty("name") String name, @JsonProperty("uuid") UUID uuid, @JsonProperty("shared") boolean shared,
        @JsonProperty("target_secret") String targetSecret, @JsonProperty("next_index") int nextIndex,
        @JsonProperty("disks") List<Disk> disks, @JsonProperty("attachments") List<Attachment> attachments) {

    /**
     * A disk of the group: a vDisk, seen as LUN {@code index div N} of target {@code index mod N}.
     *
     * @param index     creation order in the group, never reused
     * @param vdisk     the vDisk's uuid
     * @param container the container it was created in
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Disk(@JsonProperty("index") int index, @JsonProperty("vdisk") UUID vdisk, @JsonProperty("container") String container) {
        public Disk {
            Objects.requireNonNull(vdisk, "vdisk");
            Objects.requireNonNull(container, "container");
        }
    }

    /**
     * Access for one initiator.
     *
     * @param iqn               the initiator's name (iqn./eui./naa.)
     * @param initiatorSecret   its CHAP secret (null: no CHAP)
     * @param numVirtualTargets N, 1..32: how many targets the disks are spread over
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Attachment(@JsonProperty("iqn") String iqn, @JsonProperty("initiator_secret") String initiatorSecret,
            @JsonProperty("num_virtual_targets") int numVirtualTargets) {
        public Attachment {
            Objects.requireNonNull(iqn, "iqn");
        }
    }

    public VolumeGroup {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(uuid, "uuid");
        disks = disks == null ? List.of() : List.copyOf(disks);
        attachments = attachments == null ? List.of() : List.copyOf(attachments);
    }

    public Optional<Attachment> attachment(String initiator) {
        return attachments.stream().filter(a -> a.iqn().equalsIgnoreCase(initiator)).findFirst();
    }

    public Optional<Disk> disk(int index) {
        return disks.stream().filter(d -> d.index() == index).findFirst();
    }

    public VolumeGroup withDisks(UnaryOperator<List<Disk>> change) {
        return new VolumeGroup(name, uuid, shared, targetSecret, nextIndex, change.apply(new ArrayList<>(disks)), attachments);
    }

    public VolumeGroup withAttachments(UnaryOperator<List<Attachment>> change) {
        return new VolumeGroup(name, uuid, shared, targetSecret, nextIndex, disks, change.apply(new ArrayList<>(attachments)));
    }

    public VolumeGroup withNextIndex(int next) {
        return new VolumeGroup(name, uuid, shared, targetSecret, next, disks, attachments);
    }
}
