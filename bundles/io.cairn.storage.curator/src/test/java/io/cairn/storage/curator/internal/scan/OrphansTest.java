package io.cairn.storage.curator.internal.scan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

class OrphansTest {

    static final Duration GRACE = Duration.ofMinutes(10);

    @Test
    void givenAReplicaTheRecordsListOnItsNode_thenItIsNeverAnOrphanHoweverOld() {
        UUID a = UUID.randomUUID();
        assertThat(Orphans.find(Map.of(a, Map.of(7L, Duration.ofDays(30))), Map.of(7L, Set.of(a)), GRACE)).isEmpty();
    }

    @Test
    void givenAnUnlistedReplica_thenItIsAnOrphanOnlyOnceOlderThanTheGrace() {
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        // listed on b only: a's copy was replaced (a returned after a rebuild), or a drain crashed before its record
        Map<Long, Set<UUID>> listed = Map.of(7L, Set.of(b));
        assertThat(Orphans.find(Map.of(a, Map.of(7L, Duration.ofMinutes(11))), listed, GRACE)).containsExactly(new Orphans.Orphan(a, 7));
        assertThat(Orphans.find(Map.of(a, Map.of(7L, Duration.ofMinutes(9))), listed, GRACE)).as("maybe a drain still recording it").isEmpty();
        assertThat(Orphans.find(Map.of(a, Map.of(8L, Duration.ofMinutes(11))), listed, GRACE)).as("no record at all")
                .containsExactly(new Orphans.Orphan(a, 8));
        assertThatThrownBy(() -> Orphans.find(Map.of(), Map.of(), Duration.ofSeconds(-1))).hasMessageContaining("negative");
    }

    /** Random crash points: whatever was written and recorded, a listed replica is never chosen, an old unlisted one always is. */
    @Test
    void givenRandomInventoriesAndRecords_thenOnlyOldUnlistedReplicasAreChosen() {
        Random r = new Random(2026);
        for (int round = 0; round < 2000; round++) {
            List<UUID> nodes = java.util.stream.Stream.generate(UUID::randomUUID).limit(3 + r.nextInt(4)).toList();
            Map<UUID, Map<Long, Duration>> inventory = new HashMap<>();
            Map<Long, Set<UUID>> listed = new HashMap<>();
            for (long eg = 0; eg < 30; eg++) {
                for (UUID n : nodes) {
                    int kind = r.nextInt(4); // 0 nothing, 1 written and recorded, 2 written, record not yet/never, 3 recorded, data lost
                    if (kind == 1 || kind == 2) {
                        inventory.computeIfAbsent(n, k -> new HashMap<>()).put(eg, Duration.ofSeconds(r.nextInt(3600)));
                    }
                    if (kind == 1 || kind == 3) {
                        listed.computeIfAbsent(eg, k -> new HashSet<>()).add(n);
                    }
                }
            }
            Set<Orphans.Orphan> chosen = new HashSet<>(Orphans.find(inventory, listed, GRACE));
            inventory.forEach((n, held) -> held.forEach((eg, age) -> {
                boolean isListed = listed.getOrDefault(eg, Set.of()).contains(n);
                boolean expected = !isListed && age.compareTo(GRACE) > 0;
                assertThat(chosen.contains(new Orphans.Orphan(n, eg))).as("node %s egroup %d listed=%s age=%s", n, eg, isListed, age)
                        .isEqualTo(expected);
            }));
            assertThat(chosen).allMatch(o -> inventory.getOrDefault(o.node(), Map.of()).containsKey(o.egroup()));
        }
    }
}
