package io.cairn.storage.curator.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.cluster.api.ServicePresence;
import io.cairn.storage.curator.internal.OfflineDisks.Change;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class OfflineDisksTest {

    static final UUID A = new UUID(0, 1);
    static final UUID B = new UUID(0, 2);

    static ServicePresence stargate(UUID node, String offline) {
        return new ServicePresence(node, "Stargate", Map.of("free", "1", "offline_disks", offline));
    }

    @Test
    void givenPresences_whenRead_thenOnlyStargatesWithOfflineDisksAreListed() {
        Map<UUID, Set<String>> m = OfflineDisks.of(List.of(stargate(A, "d2,d0"), stargate(B, ""),
                new ServicePresence(A, "Other", Map.of("offline_disks", "x")), new ServicePresence(B, "Stargate", Map.of())));

        assertThat(m).containsOnlyKeys(A);
        assertThat(m.get(A)).containsExactly("d0", "d2");
    }

    @Test
    void givenANewOfflineDisk_whenCompared_thenItIsAFailure() {
        assertThat(OfflineDisks.compare(Map.of(), Map.of(A, Set.of("d0")))).isEqualTo(Change.FAILED);
        assertThat(OfflineDisks.compare(Map.of(A, Set.of("d0")), Map.of(A, Set.of("d0", "d1")))).isEqualTo(Change.FAILED);
        assertThat(OfflineDisks.compare(Map.of(A, Set.of("d0")), Map.of(A, Set.of("d1")))).isEqualTo(Change.FAILED);
    }

    @Test
    void givenDisksBackOrNoChange_whenCompared_thenReturnedOrNone() {
        assertThat(OfflineDisks.compare(Map.of(A, Set.of("d0")), Map.of(A, Set.of("d0")))).isEqualTo(Change.NONE);
        assertThat(OfflineDisks.compare(Map.of(), Map.of())).isEqualTo(Change.NONE);
        assertThat(OfflineDisks.compare(Map.of(A, Set.of("d0", "d1")), Map.of(A, Set.of("d0")))).isEqualTo(Change.RETURNED);
        assertThat(OfflineDisks.compare(Map.of(A, Set.of("d0")), Map.of())).isEqualTo(Change.RETURNED);
    }
}
