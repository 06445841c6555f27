package io.cairn.storage.api.layout;

/**
 * One disk of a node as the layout sees it. A node's disks are given in a stable order (slot
 * order); "first SSD" in spec 20 §2 refers to that order.
 *
 * @param id the disk's id, unique on the node (e.g. its serial number)
 * @param kind device class
 * @param capacityBytes formatted capacity in bytes
 */
public record PhysicalDisk(String id, DiskKind kind, long capacityBytes) {
}
