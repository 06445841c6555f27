package io.cairn.storage.stargate.internal.estore;

import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One of this node's disks as the extent store is configured with it: a stable id (recorded in the
 * node-local metadata of every egroup placed on it, so it must not change while the disk holds
 * data), the directory the disk is mounted at (or that describes it), its capacity, and, for a disk
 * whose data lives on a HAL block device, that device's id.
 *
 * @param id            1 to 64 characters from {@code [A-Za-z0-9._-]}, e.g. the drive's serial number
 * @param root          the disk's mount directory; egroup files go to {@code <root>/estore/}. For a
 *                      device-backed disk the directory holding its {@code disk.json} (nothing of the
 *                      extent store is written there)
 * @param capacityBytes the bytes the extent store may use on this disk (its extent-store layer, spec 20
 *                      §2), or 0 for the whole file system's (device's) size
 * @param halDevice     the {@code hal.device.id} of the block device holding the disk's data, or null:
 *                      files in {@code root}
 */
public record DiskSpec(String id, Path root, long capacityBytes, String halDevice) {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    public DiskSpec {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(root, "root");
        if (!ID.matcher(id).matches()) {
            throw new ExtentStoreException(ExtentStoreException.Reason.INVALID_REQUEST, "disk id '" + id
                    + "' is not 1 to 64 characters from [A-Za-z0-9._-]; use e.g. the drive's serial number");
        }
        if (capacityBytes < 0) {
            throw new ExtentStoreException(ExtentStoreException.Reason.INVALID_REQUEST, "disk '" + id + "' has capacity "
                    + capacityBytes + " bytes; give a positive number of bytes, or 0 for the file system's size");
        }
        if (halDevice != null && halDevice.isBlank()) {
            throw new ExtentStoreException(ExtentStoreException.Reason.INVALID_REQUEST, "disk '" + id
                    + "' names an empty HAL device; give the device's hal.device.id, or none for a directory disk");
        }
    }

    /** A directory disk. */
    public DiskSpec(String id, Path root, long capacityBytes) {
        this(id, root, capacityBytes, null);
    }

    /** A disk whose data lives on the HAL block device {@code halDevice}. */
    public static DiskSpec onDevice(String id, Path root, long capacityBytes, String halDevice) {
        return new DiskSpec(id, root, capacityBytes, Objects.requireNonNull(halDevice, "halDevice"));
    }

    /** A disk whose whole file system is the extent store's. */
    public static DiskSpec wholeFileSystem(String id, Path root) {
        return new DiskSpec(id, root, 0);
    }
}
