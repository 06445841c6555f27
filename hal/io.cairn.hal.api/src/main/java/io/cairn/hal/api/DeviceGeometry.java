package io.cairn.hal.api;

import java.util.Objects;

/** Tier, size and block sizes of a device. */
public record DeviceGeometry(DiskTier tier, long capacityBytes, int logicalBlockSize, int physicalBlockSize) {

    public DeviceGeometry {
        Objects.requireNonNull(tier, "tier");
        if (Integer.bitCount(logicalBlockSize) != 1 || physicalBlockSize < logicalBlockSize) {
            throw new IllegalArgumentException("block sizes must be powers of two with physical >= logical, not "
                    + logicalBlockSize + "/" + physicalBlockSize);
        }
        if (capacityBytes <= 0 || capacityBytes % logicalBlockSize != 0) {
            throw new IllegalArgumentException("capacity must be a positive multiple of " + logicalBlockSize + " bytes, not "
                    + capacityBytes);
        }
    }
}
