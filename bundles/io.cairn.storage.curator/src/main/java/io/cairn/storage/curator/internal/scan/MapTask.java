package io.cairn.storage.curator.internal.scan;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;
import io.cairn.storage.api.stargate.VDisk;

/**
 * The map side of a scan (spec 20 §21): a node lists every vDisk, keeps those whose metadata lies in
 * the Medusa shards it was given, and reads their extent-group records (locally where it leads the
 * shard), then which of them no vBlock maps any more. A vDisk deleted meanwhile is left out.
 */
public final class MapTask {

    private MapTask() {
    }

    /**
     * One node's map tasks.
     *
     * @param source  the node's catalog and metadata
     * @param shards  the shards it scans
     * @param expired whether the caller stopped waiting (checked before each vDisk)
     * @return every vDisk of those shards with its extent groups
     * @throws CairnException TIMEOUT when {@code expired} turned true before the end
     */
    public static List<VDiskScan> run(ScanSource source, Collection<Integer> shards, BooleanSupplier expired) {
        Set<Integer> mine = new TreeSet<>(shards);
        if (mine.isEmpty()) {
            return List.of();
        }
        return scan(source, v -> mine.contains(source.metadataShard(v.uuid())), expired, "shards " + mine);
    }

    /**
     * The leader's last pass: every vDisk no map task returned ({@code seen} holds those that were),
     * e.g. one created while the map tasks ran, or every vDisk when no map task could be assigned.
     */
    public static List<VDiskScan> rest(ScanSource source, Set<UUID> seen) {
        return scan(source, v -> !seen.contains(v.uuid()), () -> false, "the vDisks no map task returned");
    }

    private static List<VDiskScan> scan(ScanSource source, Predicate<VDisk> keep, BooleanSupplier expired, String what) {
        List<VDisk> all = source.vdisks();
        List<VDiskScan> out = new ArrayList<>();
        int done = 0;
        for (VDisk v : all) {
            if (!keep.test(v)) {
                continue;
            }
            if (expired.getAsBoolean()) {
                throw new CairnException(ErrorCode.TIMEOUT, "the map task over " + what + " ran past its deadline after " + done
                        + " vDisk(s); the Curator leader scans them itself");
            }
            source.egroups(v.uuid()).ifPresent(g -> out.add(new VDiskScan(v, g, source.unreferenced(v.uuid()))));
            done++;
        }
        return out;
    }
}
