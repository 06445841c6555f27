package io.cairn.volumes.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import io.cairn.cluster.api.NodeIdentity;
import io.cairn.storage.api.iscsi.Rendezvous;

class TargetsTest {

    private static final UUID VG = UUID.fromString("0b7c3c5e-1d2f-4a6b-8c9d-0e1f2a3b4c5d");
    private static final List<NodeIdentity> NODES = List.of(FakeCluster.node("10.0.0.1"), FakeCluster.node("10.0.0.2"),
            FakeCluster.node("10.0.0.3"), FakeCluster.node("10.0.0.4"));

    private static VolumeGroup group(int... indexes) {
        return new VolumeGroup("vg1", VG, false, null, 0,
                IntStream.of(indexes).mapToObj(i -> new VolumeGroup.Disk(i, new UUID(0, i), "ctr")).toList(), List.of());
    }

    @Test
    void givenTheSpecNaming_whenATargetIsNamedAndParsed_thenItRoundTrips() {
        String name = Targets.name(group(0), 7);

        assertThat(name).isEqualTo("iqn.2010-06.org.cairn:vg1-" + VG + "-tgt7");
        assertThat(Targets.parse(name)).contains(new Targets.Ref("vg1", VG, 7));
        assertThat(Targets.parse("iqn.2010-06.org.cairn:db.logs-2-" + VG + "-tgt31")).contains(new Targets.Ref("db.logs-2", VG, 31));
        assertThat(Targets.parse("iqn.2010-06.org.cairn:vmdisk-" + VG)).isEmpty();
        assertThat(Targets.parse("iqn.2010-06.org.cairn:vg1-" + VG + "-tgt")).isEmpty();
    }

    @Test
    void givenThreeDisksAnd32Targets_whenMapped_thenEachDiskIsLun0OfItsOwnTarget() {
        VolumeGroup vg = group(0, 1, 2);

        assertThat(Targets.targets(vg, 32)).containsExactly(0, 1, 2);
        for (int k = 0; k < 3; k++) {
            assertThat(Targets.luns(vg, 32, k)).extracting(l -> l.lun() + ":" + l.disk().index()).containsExactly("0:" + k);
        }
    }

    @Test
    void givenTenDisksAndFourTargets_whenMapped_thenDiskDIsLunDDivNOfTargetDModN() {
        VolumeGroup vg = group(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);

        assertThat(Targets.targets(vg, 4)).containsExactly(0, 1, 2, 3);
        assertThat(Targets.luns(vg, 4, 1)).extracting(l -> l.lun() + ":" + l.disk().index()).containsExactly("0:1", "1:5", "2:9");
        assertThat(Targets.luns(vg, 4, 3)).extracting(l -> l.lun() + ":" + l.disk().index()).containsExactly("0:3", "1:7");
        assertThat(Targets.targets(vg, 1)).containsExactly(0);
        assertThat(Targets.luns(vg, 1, 0)).hasSize(10);
    }

    @Test
    void givenADeletedDisk_whenMapped_thenOnlyTargetsThatHoldADiskExist() {
        VolumeGroup vg = group(0, 2);

        assertThat(Targets.targets(vg, 32)).containsExactly(0, 2);
        assertThat(Targets.luns(vg, 32, 1)).isEmpty();
    }

    @Test
    void givenAllNodesHealthy_whenATargetIsPlaced_thenItGoesToTheRendezvousWinner() {
        for (int k = 0; k < 32; k++) {
            String t = Targets.name(group(0), k);
            NodeIdentity expected = NODES.stream().max((a, b) -> Long.compareUnsigned(Rendezvous.score(t, a.uuid().toString()),
                    Rendezvous.score(t, b.uuid().toString()))).orElseThrow();
            Set<UUID> all = NODES.stream().map(NodeIdentity::uuid).collect(Collectors.toSet());

            assertThat(Targets.affinity(t, NODES)).contains(expected);
            assertThat(Targets.serving(t, NODES, all)).contains(expected);
            assertThat(Targets.affinity(t, NODES.reversed())).contains(expected);
        }
    }

    @Test
    void givenTheWinnerUnhealthy_whenATargetIsPlaced_thenTheBestRankedHealthyNodeServesIt_andOthersDoNotMove() {
        Map<NodeIdentity, Integer> wins = new HashMap<>();
        NodeIdentity down = NODES.get(1);
        Set<UUID> healthy = NODES.stream().map(NodeIdentity::uuid).filter(u -> !u.equals(down.uuid())).collect(Collectors.toSet());
        for (int k = 0; k < 400; k++) {
            String t = "iqn.2010-06.org.cairn:vg" + k + "-" + VG + "-tgt0";
            NodeIdentity winner = Targets.affinity(t, NODES).orElseThrow();
            wins.merge(winner, 1, Integer::sum);
            List<NodeIdentity> ranked = Rendezvous.rank(t, NODES, n -> n.uuid().toString());
            NodeIdentity serving = Targets.serving(t, NODES, healthy).orElseThrow();
            if (winner.equals(down)) {
                assertThat(serving).isEqualTo(ranked.get(1));
            } else {
                assertThat(serving).isEqualTo(winner);
            }
        }
        assertThat(wins).containsOnlyKeys(NODES); // every node is the affinity node of some targets
        assertThat(Targets.serving("iqn.2010-06.org.cairn:vg1-" + VG + "-tgt0", NODES, Set.of())).isEmpty();
    }
}
