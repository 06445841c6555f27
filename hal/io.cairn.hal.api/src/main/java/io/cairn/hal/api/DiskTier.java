package io.cairn.hal.api;

/** Performance class of a device, fastest first. Placement and tiering decisions use this order. */
public enum DiskTier {
    NVME,
    SSD,
    HDD
}
