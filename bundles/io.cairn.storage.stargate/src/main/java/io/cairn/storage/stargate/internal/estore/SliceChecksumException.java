package io.cairn.storage.stargate.internal.estore;

import java.nio.file.Path;
import java.util.List;

/**
 * Stored slices of an egroup replica fail their CRC32C check (bit rot, a torn or lost write, or a
 * write interrupted by a crash before its checksums were recorded). No data was returned. The caller
 * reads another replica and calls {@link ExtentStore#repair} with its data.
 */
public final class SliceChecksumException extends ExtentStoreException {

    /** In the message, also when it reaches another node as an RPC error: the slices fail their checksum. */
    public static final String MARK = "fail their CRC32C check";


    private static final long serialVersionUID = 1L;

    private final long egroupId;
    private final String diskId;
    private final transient Path file;
    private final List<Integer> badSlices;

    public SliceChecksumException(long egroupId, String diskId, Path file, List<Integer> badSlices) {
        this(egroupId, diskId, file, String.valueOf(file), badSlices);
    }

    /**
     * @param file     the replica's file, or null when it is in a device slot
     * @param location where the replica is, for the message: its file, or {@code device <id> slot <n>}
     */
    public SliceChecksumException(long egroupId, String diskId, Path file, String location, List<Integer> badSlices) {
        super(Reason.CHECKSUM_MISMATCH, "egroup " + ExtentStore.hex(egroupId) + " on disk '" + diskId + "' (" + location
                + "): slice(s) " + badSlices + " (4 KiB each, slice n at byte n*4096) " + MARK + "; read "
                + "another replica and repair these slices with its data");
        this.egroupId = egroupId;
        this.diskId = diskId;
        this.file = file;
        this.badSlices = List.copyOf(badSlices);
    }

    public long egroupId() {
        return egroupId;
    }

    public String diskId() {
        return diskId;
    }

    /** The egroup's file on the disk; null when the disk is a block device (the message names the device and slot). */
    public Path file() {
        return file;
    }

    /** The failed slices, ascending, as indexes within the egroup (slice n holds bytes [n*4096, (n+1)*4096)). */
    public List<Integer> badSlices() {
        return badSlices;
    }
}
