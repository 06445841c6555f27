package io.cairn.storage.curator.internal.chronos;

import java.time.Duration;
import java.util.List;
import java.util.ArrayList;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.common.clock.Clock;
import io.cairn.storage.api.stargate.ExtentGroups;
import io.cairn.storage.api.stargate.StargateException;

/**
 * The work of Curator's tasks on this node. {@link TaskKind#PROTECT} asks the vDisk's owning
 * Stargate to restore the extent group's replication factor (forwarded to the owner; idempotent; a
 * vDisk deleted meanwhile needs nothing). {@link TaskKind#DELETE_REPLICA} deletes a node's
 * orphaned replica (queued on that node, so it is local), unless it was written since the scan found it: a task may wait in the queue
 * long after the scan, and a replica written since (re-replicated onto this node and recorded) is
 * no orphan any more. {@link TaskKind#RECLAIM} has the vDisk's owner free extent groups no vBlock
 * maps any more (it checks that again under its locks). {@link #SKEW} covers clock differences between the leader and this node.
 */
public final class CuratorTasks implements TaskRunner {

    static final Duration SKEW = Duration.ofSeconds(5);

    private final Logger logger = LoggerFactory.getLogger(CuratorTasks.class);
    private final ExtentGroups egroups;
    private final Clock clock;

    public CuratorTasks(ExtentGroups egroups, Clock clock) {
        this.egroups = egroups;
        this.clock = clock;
    }

    @Override
    public void run(String id, TaskRecord t) throws InterruptedException {
        switch (t.taskKind()) {
            case PROTECT -> protect(t);
            case DELETE_REPLICA -> deleteReplica(t);
            case RECLAIM -> reclaim(t);
        }
    }

    /**
     * Frees the task's extent groups at the vDisk's owner, which checks again that no vBlock maps
     * them (a write since the scan may have mapped one: it stays); a vDisk deleted meanwhile needs
     * nothing (its groups went with it).
     */
    private void reclaim(TaskRecord t) {
        UUID vdisk = t.uuidArg(Task.VDISK);
        List<Long> groups = Task.egroups(t.args());
        try {
            List<Long> freed = egroups.reclaim(vdisk, groups);
            logger.info("vDisk {}: freed {} of {} unmapped extent group(s)", vdisk, freed.size(), groups.size());
        } catch (StargateException e) {
            if (e.reason() == StargateException.Reason.NOT_FOUND) {
                logger.debug("vDisk {}: gone, nothing to reclaim", vdisk);
                return;
            }
            throw e;
        }
    }

    /** Each group in turn; one that fails does not stop the others, and the task fails (to be retried) if any did. */
    private void protect(TaskRecord t) throws InterruptedException {
        UUID vdisk = t.uuidArg(Task.VDISK);
        List<Long> groups = Task.egroups(t.args());
        List<String> failed = new ArrayList<>();
        StargateException first = null;
        for (long egroup : groups) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException("stopped before extent group " + egroup + " of vDisk " + vdisk);
            }
            try {
                ExtentGroups.Protection p = egroups.protect(vdisk, egroup);
                if (!p.added().isEmpty() || !p.removed().isEmpty()) {
                    logger.debug("extent group {} of vDisk {}: added {}, removed {}", egroup, vdisk, p.added(), p.removed());
                }
            } catch (StargateException e) {
                if (e.reason() == StargateException.Reason.NOT_FOUND) {
                    logger.debug("extent group {} of vDisk {}: the vDisk is gone, nothing to protect", egroup, vdisk);
                    return;
                }
                if (groups.size() == 1) {
                    throw e;
                }
                failed.add(egroup + ": " + e.getMessage());
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw new StargateException(first.reason(),
                    failed.size() + " of " + groups.size() + " extent groups of vDisk " + vdisk + " were not protected: "
                            + String.join("; ", failed.subList(0, Math.min(3, failed.size()))) + (failed.size() > 3 ? "; ..." : ""), first);
        }
    }

    private void deleteReplica(TaskRecord t) {
        UUID node = t.uuidArg(Task.NODE);
        long egroup = t.longArg(Task.EGROUP);
        long unwrittenSince = t.longArg(Task.UNWRITTEN_SINCE);
        for (ExtentGroups.Replica r : egroups.replicas(node)) { // local when the task runs on the replica's node, as placed
            if (r.egroup() != egroup) {
                continue;
            }
            long sinceScan = clock.millis() - unwrittenSince;
            if (!orphanStill(r.sinceWritten(), sinceScan)) {
                logger.info("extent group {}: the replica on node {} was written {} ago, after the scan found it orphaned; kept", egroup,
                        node, r.sinceWritten());
                return;
            }
            // again where it is deleted, atomically with the deletion: a repair may copy onto this node at any moment
            if (egroups.deleteReplicaIfUnwrittenSince(node, egroup, java.time.Instant.ofEpochMilli(unwrittenSince).minus(SKEW))) {
                logger.info("deleted the orphaned replica of extent group {} on node {} (last written {} ago)", egroup, node,
                        r.sinceWritten());
            } else {
                logger.info("extent group {}: the replica on node {} was written after the scan found it orphaned; kept", egroup, node);
            }
            return;
        }
        // gone already: done
    }

    /** Whether a replica last written {@code sinceWritten} ago was not written in the last {@code sinceScanMillis} (give or take {@link #SKEW}). */
    static boolean orphanStill(Duration sinceWritten, long sinceScanMillis) {
        return sinceWritten != null && sinceWritten.toMillis() > Math.max(0, sinceScanMillis) + SKEW.toMillis();
    }
}
