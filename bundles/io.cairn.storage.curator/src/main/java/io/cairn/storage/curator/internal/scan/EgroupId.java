package io.cairn.storage.curator.internal.scan;

import java.util.Comparator;
import java.util.Objects;

/**
 * An extent group: the vDisk whose metadata records it and its number. A node's extent store keeps
 * one file per egroup number, so two ids with the same {@link #egroup()} name the same file on a
 * node; the planner compares physical copies by number for that reason.
 *
 * @param vdisk the vDisk id (as in the metadata keys, {@code vdisk:UUID#eg:...})
 * @param egroup the egroup number
 */
public record EgroupId(String vdisk, long egroup) implements Comparable<EgroupId> {

    private static final Comparator<EgroupId> ORDER =
            Comparator.comparing(EgroupId::vdisk).thenComparingLong(EgroupId::egroup);

    /** Checks the vDisk id. */
    public EgroupId {
        Objects.requireNonNull(vdisk, "vdisk");
        if (vdisk.isBlank()) {
            throw new IllegalArgumentException("an egroup's vDisk id must not be blank (egroup " + egroup + ")");
        }
    }

    @Override
    public int compareTo(EgroupId other) {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString() {
        return vdisk + "#eg:" + String.format("%016x", egroup);
    }
}
