package io.cairn.storage.curator.internal.chronos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

class TaskPlacementTest {

    static final UUID A = new UUID(1, 1);
    static final UUID B = new UUID(2, 2);
    static final UUID C = new UUID(3, 3);
    static final UUID D = new UUID(4, 4);

    @Test
    void givenALiveHome_thenARepairGoesToIt() {
        Task t = Task.protect(UUID.randomUUID(), 7, B, Priority.LAST_REPLICA);
        assertThat(TaskPlacement.place(t, Set.of(A, B, C))).contains(B);
    }

    @Test
    void givenTheRepairsOfOneVDisk_thenTheySpreadOverEveryLiveNode_stably_andOnlyALeavingNodesTasksMove() {
        Set<UUID> live = Set.of(A, B, C, D);
        UUID vdisk = UUID.randomUUID();
        Map<UUID, Integer> perNode = new HashMap<>();
        Map<Long, UUID> first = new HashMap<>();
        for (long eg = 1; eg <= 4000; eg++) {
            UUID n = TaskPlacement.place(Task.protect(vdisk, eg, null, Priority.UNDER_REPLICATED), live).orElseThrow();
            assertThat(TaskPlacement.place(Task.protect(vdisk, eg, null, Priority.GARBAGE), live)).as("same group, same node").contains(n);
            perNode.merge(n, 1, Integer::sum);
            first.put(eg, n);
        }
        assertThat(perNode).containsOnlyKeys(A, B, C, D);
        perNode.values().forEach(c -> assertThat(c).isBetween(800, 1200));
        // a node leaves: only its tasks move
        Set<UUID> three = new HashSet<>(List.of(A, B, D));
        first.forEach((eg, n) -> {
            UUID now = TaskPlacement.place(Task.protect(vdisk, eg, null, Priority.UNDER_REPLICATED), three).orElseThrow();
            if (!n.equals(C)) {
                assertThat(now).isEqualTo(n);
            }
        });
        assertThat(TaskPlacement.place(Task.protect(UUID.randomUUID(), 1, A, Priority.GARBAGE), Set.of())).isEmpty();
    }

    @Test
    void givenAnOrphan_thenItsDeletionGoesToTheNodeHoldingIt_andNowhereWhileThatNodeIsDown() {
        assertThat(TaskPlacement.place(Task.deleteReplica(C, 5, 0), Set.of(A, B, C))).contains(C);
        assertThat(TaskPlacement.place(Task.deleteReplica(C, 5, 0), Set.of(A, B))).isEmpty();
    }
}
