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
    void givenAKnownLiveOwner_thenARepairGoesToIt() {
        Task t = Task.protect(UUID.randomUUID(), 7, B, Priority.LAST_REPLICA);
        assertThat(TaskPlacement.place(t, Set.of(A, B, C))).contains(B);
    }

    @Test
    void givenNoOwnerOrADeadOne_thenARepairGoesToTheNodeTheVDiskHashesTo_stableAndSpread() {
        Set<UUID> live = Set.of(A, B, C, D);
        Map<UUID, Integer> perNode = new HashMap<>();
        Map<UUID, UUID> first = new HashMap<>();
        for (int i = 0; i < 4000; i++) {
            UUID vdisk = new UUID(i * 7919L, i);
            UUID n = TaskPlacement.place(Task.protect(vdisk, 1, null, Priority.UNDER_REPLICATED), live).orElseThrow();
            assertThat(TaskPlacement.place(Task.protect(vdisk, 9, null, Priority.GARBAGE), live)).as("same vDisk, same node").contains(n);
            perNode.merge(n, 1, Integer::sum);
            first.put(vdisk, n);
        }
        assertThat(perNode).containsOnlyKeys(A, B, C, D);
        perNode.values().forEach(c -> assertThat(c).isBetween(800, 1200));
        // a node leaves: only its vDisks move
        Set<UUID> three = new HashSet<>(List.of(A, B, D));
        first.forEach((vdisk, n) -> {
            UUID now = TaskPlacement.place(Task.protect(vdisk, 1, null, Priority.UNDER_REPLICATED), three).orElseThrow();
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
