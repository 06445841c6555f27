package io.cairn.storage.stargate.internal.estore;

import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One of this node's disks as the extent store is configured with it: a stable id (recorded in the
 * node-local metadata of every egroup placed on it, so it must not change while the disk holds
 * data), the directory the disk is mounted at, and its capacity.
 *
 * @param id            1 to 64 characters from {@code [A-Za-z0-9._-]}, e.g. the drive's serial number
 * @param root          the disk's mount directory; egroup files go to {@code <root>/estore/}
 * @param capacityBytes the bytes the extent store may use on this disk (its extent-store layer, spec 20
 *                      §2), or 0 for the whole file system's size
 */
public record DiskSpec(String id, Path root, long capacityBytes) {

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
    }

    /** A disk whose whole file system is the extent store's. */
    public static DiskSpec wholeFileSystem(String id, Path root) {
        return new DiskSpec(id, root, 0);
    }
}
