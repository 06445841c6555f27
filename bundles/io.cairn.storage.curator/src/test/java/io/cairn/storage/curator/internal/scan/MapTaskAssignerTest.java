package io.cairn.storage.curator.internal.scan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class MapTaskAssignerTest {

    private static final List<Integer> SIXTEEN = IntStream.range(0, 16).boxed().toList();

    private static UUID node(int i) {
        return new UUID(0, i);
    }

    private static Set<UUID> nodes(int n) {
        Set<UUID> s = new HashSet<>();
        for (int i = 1; i <= n; i++) {
            s.add(node(i));
        }
        return s;
    }

    /** Leaders by counts: the first {@code counts[0]} shards led by node 1, the next by node 2, ... */
    private static Map<Integer, UUID> leaders(int... counts) {
        Map<Integer, UUID> leaders = new HashMap<>();
        int shard = 0;
        for (int n = 0; n < counts.length; n++) {
            for (int i = 0; i < counts[n]; i++) {
                leaders.put(shard++, node(n + 1));
            }
        }
        return leaders;
    }

    private static void assertWithin20Percent(MapTaskAssignment a, int shards, int n) {
        double even = (double) shards / n;
        for (int i = 1; i <= n; i++) {
            assertThat((double) a.load(node(i))).as("load of node %d", i)
                    .isBetween(Math.floor(even * 0.8), Math.ceil(even * 1.2))
                    .isBetween(even * 0.8, even * 1.2);
        }
    }

    @Test
    void given16ShardsEvenlyLedOn3Nodes_thenEveryTaskRunsOnItsLeader() {
        MapTaskAssignment a = MapTaskAssigner.assign(SIXTEEN, leaders(6, 5, 5), nodes(3));

        assertThat(a.awayFromLeader()).isEmpty();
        assertThat(a.shardsOfNode()).containsExactly(
                Map.entry(node(1), List.of(0, 1, 2, 3, 4, 5)),
                Map.entry(node(2), List.of(6, 7, 8, 9, 10)),
                Map.entry(node(3), List.of(11, 12, 13, 14, 15)));
        assertWithin20Percent(a, 16, 3);
    }

    @Test
    void given16ShardsOn4Nodes_thenEachRunsFour() {
        MapTaskAssignment a = MapTaskAssigner.assign(SIXTEEN, leaders(4, 4, 4, 4), nodes(4));
        assertThat(a.awayFromLeader()).isEmpty();
        for (int i = 1; i <= 4; i++) {
            assertThat(a.load(node(i))).isEqualTo(4);
        }
    }

    @Test
    void givenSkewedLeadership13_2_1_thenTheTasksAreBalancedWithin20Percent_movingOnlyWhatIsNeeded() {
        MapTaskAssignment a = MapTaskAssigner.assign(SIXTEEN, leaders(13, 2, 1), nodes(3));

        assertWithin20Percent(a, 16, 3);
        assertThat(a.load(node(1))).isEqualTo(6); // hi = ⌊1.2·16/3⌋ = 6
        assertThat(a.awayFromLeader()).hasSize(7); // exactly 13 − 6 moved, all off node 1
        assertThat(a.awayFromLeader()).allSatisfy(s -> assertThat(leaders(13, 2, 1).get(s)).isEqualTo(node(1)));
        assertThat(a.nodeOfShard()).hasSize(16);
    }

    @Test
    void givenSkewedLeadershipOn4Nodes_thenFourEach() {
        MapTaskAssignment a = MapTaskAssigner.assign(SIXTEEN, leaders(13, 2, 1, 0), nodes(4));
        for (int i = 1; i <= 4; i++) {
            assertThat(a.load(node(i))).isEqualTo(4);
        }
        assertThat(a.awayFromLeader()).hasSize(9);
    }

    @Test
    void givenLeadersDownOrUnknown_thenTheirShardsGoToTheLeastLoadedLiveNodes() {
        Map<Integer, UUID> leaders = leaders(6, 5, 5); // node 3 is down
        leaders.remove(0); // shard 0 has no known leader
        MapTaskAssignment a = MapTaskAssigner.assign(SIXTEEN, leaders, nodes(2));

        assertThat(a.load(node(1))).isEqualTo(8);
        assertThat(a.load(node(2))).isEqualTo(8);
        assertThat(a.awayFromLeader()).contains(0, 11, 12, 13, 14, 15);
        // shards whose leader is live stay with it
        for (int s = 1; s < 11; s++) {
            assertThat(a.nodeOfShard().get(s)).isEqualTo(leaders.get(s));
        }
    }

    @Test
    void givenFewerShardsThanNodes_thenNoNodeRunsTwoWhileAnotherRunsNone() {
        MapTaskAssignment a = MapTaskAssigner.assign(List.of(0, 1), Map.of(0, node(1), 1, node(1)), nodes(3));
        assertThat(a.load(node(1))).isEqualTo(1);
        assertThat(a.load(node(2)) + a.load(node(3))).isEqualTo(1);
        assertThat(a.shardsOfNode()).containsKeys(node(1), node(2), node(3));
    }

    @Test
    void givenRandomLeadership_thenLoadsLieWithinTheBoundsAndEveryShardRunsOnce() {
        Random r = new Random(7);
        for (int round = 0; round < 2000; round++) {
            int n = 1 + r.nextInt(7);
            int s = r.nextInt(64);
            List<Integer> shards = IntStream.range(0, s).boxed().toList();
            Map<Integer, UUID> leaders = new HashMap<>();
            for (int shard : shards) {
                if (r.nextInt(8) != 0) {
                    leaders.put(shard, node(1 + r.nextInt(n + 2))); // some leaders are not live
                }
            }
            MapTaskAssignment a = MapTaskAssigner.assign(shards, leaders, nodes(n));

            assertThat(a.nodeOfShard().keySet()).containsExactlyElementsOf(shards);
            long lo = Math.min(Math.ceilDiv(80L * s, 100L * n), s / n);
            long hi = Math.max(120L * s / (100L * n), Math.ceilDiv(s, n));
            List<Integer> loads = new ArrayList<>();
            for (int i = 1; i <= n; i++) {
                loads.add(a.load(node(i)));
            }
            assertThat(loads).as("round %d, %d shards on %d nodes", round, s, n).allSatisfy(l ->
                    assertThat((long) l).isBetween(lo, hi));
            assertThat(loads.stream().mapToInt(Integer::intValue).sum()).isEqualTo(s);
            // a shard led by a live node that ends up elsewhere left an overloaded node
            for (int shard : a.awayFromLeader()) {
                UUID leader = leaders.get(shard);
                if (leader != null && nodes(n).contains(leader)) {
                    assertThat((long) a.load(leader)).isGreaterThanOrEqualTo(lo);
                }
            }
        }
    }

    @Test
    void given16ShardsUnderAnyLeadership_on3And4Nodes_thenEachNodesShareIsWithin20PercentOfOneNth() {
        Random r = new Random(16);
        for (int n : new int[] {3, 4}) {
            for (int round = 0; round < 1000; round++) {
                Map<Integer, UUID> leaders = new HashMap<>();
                for (int shard : SIXTEEN) {
                    if (r.nextInt(10) != 0) {
                        leaders.put(shard, node(1 + r.nextInt(n + 1))); // node n + 1 is down
                    }
                }
                MapTaskAssignment a = MapTaskAssigner.assign(SIXTEEN, leaders, nodes(n));
                assertWithin20Percent(a, 16, n);
                assertThat(a.nodeOfShard()).hasSize(16);
            }
        }
    }

    @Test
    void givenShardsButNoLiveNode_thenTheMessageSaysSo() {
        assertThatThrownBy(() -> MapTaskAssigner.assign(SIXTEEN, Map.of(), Set.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no live node to run the scan's 16 map tasks");
        assertThatThrownBy(() -> MapTaskAssigner.assign(SIXTEEN, Map.of(), nodes(2), 101))
                .hasMessage("the map-task balance tolerance must be 0..100 %, was 101");
        assertThat(MapTaskAssigner.assign(List.of(), Map.of(), Set.of()).nodeOfShard()).isEmpty();
    }
}
