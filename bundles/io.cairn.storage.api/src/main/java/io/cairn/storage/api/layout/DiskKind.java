package io.cairn.storage.api.layout;

/** Device class as the drive layout (spec 20 §2) distinguishes it. */
public enum DiskKind {
    /** NVMe flash. When a node has NVMe, the OpLog lives on NVMe (and Optane) only. */
    NVME,
    /** Optane (3D XPoint) on NVMe; tier 0 and an OpLog device alongside NVMe. */
    OPTANE,
    /** SATA/SAS flash. Home and metadata live on the first SSDs. */
    SSD,
    /** Spinning disk: Curator reservation (each HDD) and extent store only. */
    HDD;

    /** Whether this is a flash (performance) device. */
    public boolean isFlash() {
        return this != HDD;
    }
}
