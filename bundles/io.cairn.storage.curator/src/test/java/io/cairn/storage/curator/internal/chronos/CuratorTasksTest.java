package io.cairn.storage.curator.internal.chronos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.cairn.common.clock.ManualClock;
import io.cairn.storage.api.stargate.ExtentGroups;
import io.cairn.storage.api.stargate.StargateException;

class CuratorTasksTest {

    static final UUID NODE = new UUID(0, 1);
    static final UUID VDISK = new UUID(7, 1);

    final ManualClock clock = new ManualClock();
    final List<String> calls = new ArrayList<>();
    Map<Long, Duration> inventory = Map.of();
    /** When the store says each replica was last written (the atomic check at deletion). */
    Map<Long, java.time.Instant> writtenAt = Map.of();
    RuntimeException protectFails;
    Set<Long> failingGroups = Set.of();

    final ExtentGroups egroups = new ExtentGroups() {
        @Override
        public Set<UUID> liveNodes() {
            return Set.of(NODE);
        }

        @Override
        public List<ExtentGroup> list(UUID vdisk) {
            return List.of();
        }

        @Override
        public int metadataShard(UUID vdisk) {
            return 0;
        }

        @Override
        public Protection protect(UUID vdisk, long egroup) {
            calls.add("protect " + vdisk + " " + egroup);
            if (protectFails != null) {
                throw protectFails;
            }
            if (failingGroups.contains(egroup)) {
                throw new StargateException(StargateException.Reason.UNAVAILABLE, "no target node for " + egroup);
            }
            return new Protection(egroup, List.of(NODE), List.of());
        }

        @Override
        public List<Replica> replicas(UUID node) {
            return inventory.entrySet().stream().map(e -> new Replica(e.getKey(), e.getValue())).toList();
        }

        @Override
        public void deleteReplica(UUID node, long egroup) {
            calls.add("delete " + node + " " + egroup);
        }

        @Override
        public boolean deleteReplicaIfUnwrittenSince(UUID node, long egroup, java.time.Instant since) {
            if (writtenAt.containsKey(egroup) && !writtenAt.get(egroup).isBefore(since)) {
                return false;
            }
            calls.add("delete " + node + " " + egroup);
            return true;
        }

        @Override
        public List<Long> reclaim(UUID vdisk, List<Long> groups) {
            calls.add("reclaim " + vdisk + " " + groups);
            if (protectFails != null) {
                throw protectFails;
            }
            return groups.stream().filter(g -> !failingGroups.contains(g)).toList();
        }

        @Override
        public ScrubResult scrub(UUID node) {
            return new ScrubResult(0, List.of());
        }
    };
    final CuratorTasks tasks = new CuratorTasks(egroups, clock);

    static TaskRecord record(Task t) {
        return TaskRecord.queued(t, 1, 0);
    }

    @Test
    void givenARepair_thenTheOwnerIsAskedToProtect_andAVDiskDeletedMeanwhileNeedsNothing() throws Exception {
        tasks.run("x", record(Task.protect(VDISK, 42, null, Priority.LAST_REPLICA)));
        assertThat(calls).containsExactly("protect " + VDISK + " 42");
        protectFails = new StargateException(StargateException.Reason.NOT_FOUND, "no vDisk");
        tasks.run("x", record(Task.protect(VDISK, 42, null, Priority.LAST_REPLICA)));
        protectFails = new StargateException(StargateException.Reason.UNAVAILABLE, "no target node");
        assertThatThrownBy(() -> tasks.run("x", record(Task.protect(VDISK, 42, null, Priority.LAST_REPLICA))))
                .hasMessageContaining("no target node");
    }

    @Test
    void givenARepairOfSeveralGroups_thenEachIsProtectedInTurn_andOneFailingFailsTheTaskAfterTheOthersRan() throws Exception {
        Task t = Task.protect(VDISK, List.of(3L, 5L, 9L), null, Priority.UNDER_REPLICATED);
        assertThat(t.id()).startsWith("protect:" + VDISK + ":3+2:").hasSize(("protect:" + VDISK + ":3+2:").length() + 8);
        assertThat(Task.protect(VDISK, List.of(3L, 6L, 9L), null, Priority.UNDER_REPLICATED).id()).as("same first group and size, other list")
                .isNotEqualTo(t.id());
        assertThat(t.units()).isEqualTo(3);
        assertThat(Task.protect(VDISK, List.of(3L), null, Priority.UNDER_REPLICATED)).as("one group: the single form")
                .isEqualTo(Task.protect(VDISK, 3L, null, Priority.UNDER_REPLICATED));
        tasks.run("x", record(t));
        assertThat(calls).containsExactly("protect " + VDISK + " 3", "protect " + VDISK + " 5", "protect " + VDISK + " 9");
        calls.clear();
        failingGroups = Set.of(5L);
        assertThatThrownBy(() -> tasks.run("x", record(t))).isInstanceOf(StargateException.class)
                .hasMessageContaining("1 of 3 extent groups").hasMessageContaining("no target node for 5");
        assertThat(calls).as("the others still ran").hasSize(3);
        calls.clear();
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> tasks.run("x", record(t))).isInstanceOf(InterruptedException.class);
        } finally {
            Thread.interrupted();
        }
        assertThat(calls).isEmpty();
    }

    @Test
    void givenUnmappedGroups_thenTheOwnerIsAskedToReclaimThemInOneCall_andAVDiskDeletedMeanwhileNeedsNothing() throws Exception {
        Task t = Task.reclaim(VDISK, List.of(3L, 5L, 9L));
        assertThat(t.id()).startsWith("reclaim:" + VDISK + ":3+2:");
        assertThat(t.priority()).isEqualTo(Priority.GARBAGE);
        assertThat(t.units()).isEqualTo(3);
        assertThat(Task.reclaim(VDISK, List.of(4L)).id()).isEqualTo("reclaim:" + VDISK + ":4");
        assertThat(TaskPlacement.place(t, Set.of(NODE))).contains(NODE);
        failingGroups = Set.of(5L); // mapped again since the scan: the owner keeps it, which is no failure

        tasks.run("x", record(t));

        assertThat(calls).containsExactly("reclaim " + VDISK + " [3, 5, 9]");
        protectFails = new StargateException(StargateException.Reason.NOT_FOUND, "no vDisk");
        tasks.run("x", record(t));
        protectFails = new StargateException(StargateException.Reason.UNAVAILABLE, "owner unreachable");
        assertThatThrownBy(() -> tasks.run("x", record(t))).hasMessageContaining("owner unreachable");
    }

    @Test
    void givenAnOrphanNotWrittenSinceTheScan_thenItIsDeleted_butOneWrittenSinceIsKept() throws Exception {
        long scanStart = clock.millis();
        Task t = Task.deleteReplica(NODE, 5, scanStart);
        clock.advance(Duration.ofMinutes(3)); // queued for a while
        inventory = Map.of(5L, Duration.ofMinutes(2)); // re-replicated onto this node and recorded after the scan
        tasks.run("x", record(t));
        assertThat(calls).isEmpty();
        inventory = Map.of(5L, Duration.ofHours(2));
        tasks.run("x", record(t));
        assertThat(calls).containsExactly("delete " + NODE + " 5");
        calls.clear();
        // the inventory was read before a repair copied onto the node: the store's own check, atomic with the deletion, keeps it
        writtenAt = Map.of(5L, clock.now());
        tasks.run("x", record(t));
        assertThat(calls).as("written after the scan, seen at the deletion").isEmpty();
        writtenAt = Map.of();
        calls.clear();
        inventory = Map.of(6L, Duration.ofHours(2));
        tasks.run("x", record(t));
        assertThat(calls).as("gone already").isEmpty();
        assertThat(CuratorTasks.orphanStill(null, 0)).as("age unknown: kept").isFalse();
    }
}
