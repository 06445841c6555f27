package io.cairn.storage.medusa.internal.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.cairn.cluster.api.FaultDomain;
import io.cairn.cluster.api.NodeIdentity;

class ShardPlacementTest {

    private static final int SHARDS = 16;

    // ---- the spec rule (spec 20 §10) ------------------------------------------------------------

    @Test
    void givenFt1BlocksOf2342_whenChecked_thenNotMetadataAware() {
        // largest 4, the others hold 7 < (3 - 1) * 4
        assertThat(ShardPlacement.metadataAware(List.of(2, 3, 4, 2), 3)).isFalse();
    }

    @Test
    void givenFt1BlocksOf3343_whenChecked_thenMetadataAware() {
        // largest 4, the others hold 9 >= 8
        assertThat(ShardPlacement.metadataAware(List.of(3, 3, 4, 3), 3)).isTrue();
    }

    @Test
    void givenFt2BlocksOf234233_whenChecked_thenNotMetadataAware() {
        // largest 4, the others hold 13 < (5 - 1) * 4
        assertThat(ShardPlacement.metadataAware(List.of(2, 3, 4, 2, 3, 3), 5)).isFalse();
    }

    @Test
    void givenFt2BlocksOf244444_whenChecked_thenMetadataAware() {
        // largest 4, the others hold 18 >= 16
        assertThat(ShardPlacement.metadataAware(List.of(2, 4, 4, 4, 4, 4), 5)).isTrue();
    }

    @Test
    void givenFewerDomainsThanRf_whenChecked_thenNotMetadataAwareEvenIfBalanced() {
        assertThat(ShardPlacement.metadataAware(List.of(1, 1), 3)).isFalse();
        assertThat(ShardPlacement.metadataAware(List.of(2, 2, 2, 2), 5)).isFalse();
        assertThat(ShardPlacement.metadataAware(List.of(1, 1, 1), 3)).isTrue();
        assertThat(ShardPlacement.metadataAware(List.of(1, 1, 0), 3)).as("an empty domain does not count").isFalse();
    }

    @Test
    void givenThreeSingleNodeBlocks_whenAwarenessAtRf3_thenBlockAware() {
        List<NodeIdentity> nodes = List.of(node(1, "r", "a"), node(2, "r", "b"), node(3, "r", "c"));
        assertThat(ShardPlacement.awareness(nodes, 3)).isEqualTo(Awareness.BLOCK);
    }

    @Test
    void givenTwoBlocks_whenAwarenessAtRf3_thenNodeAware() {
        List<NodeIdentity> nodes = List.of(node(1, "r", "a"), node(2, "r", "b"), node(3, "r", "b"));
        assertThat(ShardPlacement.awareness(nodes, 3)).isEqualTo(Awareness.NODE);
    }

    @Test
    void givenThreeEvenRacks_whenAwarenessAtRf3_thenRackAware() {
        List<NodeIdentity> nodes = List.of(node(1, "r1", "a"), node(2, "r1", "b"), node(3, "r2", "a"),
                node(4, "r2", "b"), node(5, "r3", "a"), node(6, "r3", "b"));
        assertThat(ShardPlacement.awareness(nodes, 3)).isEqualTo(Awareness.RACK);
    }

    @Test
    void givenSkewedRacksButEvenBlocks_whenAwareness_thenBlockAware() {
        // racks {4, 1, 1} fail the rule; blocks {2, 2, 1, 1} pass it (others 4 >= 4)
        List<NodeIdentity> nodes = List.of(node(1, "r1", "a"), node(2, "r1", "a"), node(3, "r1", "b"),
                node(4, "r1", "b"), node(5, "r2", "a"), node(6, "r3", "a"));
        assertThat(ShardPlacement.awareness(nodes, 3)).isEqualTo(Awareness.BLOCK);
    }

    @Test
    void givenANode_whenDomainAtEachLevel_thenRackThenRackSlashBlockThenUuid() {
        NodeIdentity n = node(7, "rack-1", "chassis-2");
        assertThat(ShardPlacement.domain(n, Awareness.RACK)).isEqualTo("rack-1");
        assertThat(ShardPlacement.domain(n, Awareness.BLOCK)).isEqualTo("rack-1/chassis-2");
        assertThat(ShardPlacement.domain(n, Awareness.NODE)).isEqualTo(n.uuid().toString());
    }

    // ---- initial placement, joins and removals -----------------------------------------------------

    @Test
    void givenThreeNodes_whenFirstPlaced_thenEveryNodeHoldsEveryShardAndLeadsFiveOrSix() {
        List<NodeIdentity> nodes = nodes(3);
        Map<Integer, List<UUID>> placement = ShardPlacement.target(Map.of(), SHARDS, nodes, 3);

        assertValid(placement, SHARDS, nodes, 3);
        assertThat(loads(placement, nodes).values()).containsOnly(16);
        assertThat(leaderCounts(placement, nodes).values()).containsExactlyInAnyOrder(5, 5, 6);
    }

    @Test
    void givenThreeNodes_whenFourthJoins_thenExactlyTwelveReplicasMoveAllToIt() {
        List<NodeIdentity> three = nodes(3);
        Map<Integer, List<UUID>> before = ShardPlacement.target(Map.of(), SHARDS, three, 3);
        NodeIdentity fourth = node(4, "r", "b4");
        List<NodeIdentity> four = with(three, fourth);

        Map<Integer, List<UUID>> after = ShardPlacement.target(before, SHARDS, four, 3);

        assertValid(after, SHARDS, four, 3);
        assertThat(moved(before, after)).isEqualTo(12);
        assertThat(arrivals(before, after)).containsOnly(fourth.uuid());
        assertThat(loads(after, four).values()).containsOnly(12);
        assertThat(leaderCounts(after, four).values()).containsOnly(4);
    }

    @Test
    void givenFourNodes_whenFifthJoins_thenAboutAFifthOfReplicasMoveAllToIt() {
        List<NodeIdentity> four = nodes(4);
        Map<Integer, List<UUID>> before = ShardPlacement.target(ShardPlacement.target(Map.of(), SHARDS, nodes(3), 3),
                SHARDS, four, 3);
        NodeIdentity fifth = node(5, "r", "b5");
        List<NodeIdentity> five = with(four, fifth);

        Map<Integer, List<UUID>> after = ShardPlacement.target(before, SHARDS, five, 3);

        assertValid(after, SHARDS, five, 3);
        assertThat(moved(before, after)).isBetween(9, 10);
        assertThat(arrivals(before, after)).containsOnly(fifth.uuid());
        assertThat(loads(after, five).values()).allSatisfy(load -> assertThat(load).isBetween(9, 10));
        assertThat(leaderCounts(after, five).values()).allSatisfy(count -> assertThat(count).isBetween(3, 4));
    }

    @Test
    void givenFiveNodesAtRf5_whenPlaced_thenEveryNodeHoldsEveryShardAndLeadsThreeOrFour() {
        List<NodeIdentity> nodes = nodes(5);
        Map<Integer, List<UUID>> placement = ShardPlacement.target(Map.of(), SHARDS, nodes, 5);

        assertValid(placement, SHARDS, nodes, 5);
        assertThat(loads(placement, nodes).values()).containsOnly(16);
        assertThat(leaderCounts(placement, nodes).values()).containsExactlyInAnyOrder(3, 3, 3, 3, 4);
    }

    @Test
    void givenSixNodesInThreeBlocksOfTwo_whenPlaced_thenEveryShardSpansThreeBlocks() {
        List<NodeIdentity> nodes = List.of(node(1, "r", "a"), node(2, "r", "a"), node(3, "r", "b"),
                node(4, "r", "b"), node(5, "r", "c"), node(6, "r", "c"));
        Map<Integer, List<UUID>> placement = ShardPlacement.target(Map.of(), SHARDS, nodes, 3);

        assertThat(ShardPlacement.awareness(nodes, 3)).isEqualTo(Awareness.BLOCK);
        assertValid(placement, SHARDS, nodes, 3);
        assertDistinctDomains(placement, nodes, Awareness.BLOCK);
        assertThat(loads(placement, nodes).values()).containsOnly(8);
        assertThat(leaderCounts(placement, nodes).values()).allSatisfy(count -> assertThat(count).isBetween(2, 3));
    }

    @Test
    void givenSixNodesInThreeRacks_whenPlaced_thenEveryShardSpansThreeRacks() {
        List<NodeIdentity> nodes = List.of(node(1, "r1", "a"), node(2, "r1", "b"), node(3, "r2", "a"),
                node(4, "r2", "b"), node(5, "r3", "a"), node(6, "r3", "b"));
        Map<Integer, List<UUID>> placement = ShardPlacement.target(Map.of(), SHARDS, nodes, 3);

        assertValid(placement, SHARDS, nodes, 3);
        assertDistinctDomains(placement, nodes, Awareness.RACK);
        assertThat(loads(placement, nodes).values()).containsOnly(8);
    }

    @Test
    void givenSkewedBlocksOf114_whenPlaced_thenFallsBackToNodeLevelAndStaysValidAndBalanced() {
        List<NodeIdentity> nodes = List.of(node(1, "r", "a"), node(2, "r", "b"), node(3, "r", "c"),
                node(4, "r", "c"), node(5, "r", "c"), node(6, "r", "c"));
        Map<Integer, List<UUID>> placement = ShardPlacement.target(Map.of(), SHARDS, nodes, 3);

        assertThat(ShardPlacement.awareness(nodes, 3)).isEqualTo(Awareness.NODE);
        assertValid(placement, SHARDS, nodes, 3);
        assertThat(loads(placement, nodes).values()).containsOnly(8);
        // best effort below the awareness level: no shard is left entirely inside block c
        Map<UUID, NodeIdentity> byId = byId(nodes);
        assertThat(placement.values()).allSatisfy(members -> assertThat(
                members.stream().map(u -> ShardPlacement.domain(byId.get(u), Awareness.BLOCK)).distinct().count())
                .isGreaterThanOrEqualTo(2));
    }

    @Test
    void givenNodeLevelPlacement_whenClusterBecomesBlockAware_thenSharedBlocksAreSeparated() {
        List<NodeIdentity> four = List.of(node(1, "r", "a"), node(2, "r", "a"), node(3, "r", "b"), node(4, "r", "c"));
        Map<Integer, List<UUID>> before = ShardPlacement.target(Map.of(), SHARDS, four, 3);
        assertThat(ShardPlacement.awareness(four, 3)).isEqualTo(Awareness.NODE);
        List<NodeIdentity> six = with(with(four, node(5, "r", "b")), node(6, "r", "c"));

        Map<Integer, List<UUID>> after = ShardPlacement.target(before, SHARDS, six, 3);

        assertValid(after, SHARDS, six, 3);
        assertDistinctDomains(after, six, Awareness.BLOCK);
        assertThat(loads(after, six).values()).containsOnly(8);
    }

    @Test
    void givenFiveNodes_whenOneIsRemoved_thenOnlyItsReplicasMoveAndTheRestRebalance() {
        List<NodeIdentity> five = nodes(5);
        Map<Integer, List<UUID>> before = ShardPlacement.target(Map.of(), SHARDS, five, 3);
        NodeIdentity gone = five.get(2);
        List<NodeIdentity> four = five.stream().filter(n -> n != gone).toList();

        Map<Integer, List<UUID>> after = ShardPlacement.target(before, SHARDS, four, 3);

        assertValid(after, SHARDS, four, 3);
        int held = loads(before, five).get(gone.uuid());
        assertThat(moved(before, after)).isEqualTo(held);
        for (int s = 0; s < SHARDS; s++) {
            Set<UUID> departed = difference(before.get(s), after.get(s));
            assertThat(departed).as("shard %d", s).isSubsetOf(Set.of(gone.uuid()));
        }
        assertThat(loads(after, four).values()).containsOnly(12);
        assertThat(leaderCounts(after, four).values()).containsOnly(4);
    }

    @Test
    void givenABalancedPlacement_whenRecomputed_thenNothingChangesNotEvenLeadersOrOrder() {
        List<NodeIdentity> nodes = List.of(node(1, "r", "a"), node(2, "r", "a"), node(3, "r", "b"),
                node(4, "r", "b"), node(5, "r", "c"), node(6, "r", "c"), node(7, "r", "c"));
        Map<Integer, List<UUID>> placement = ShardPlacement.target(Map.of(), SHARDS, nodes, 3);

        assertThat(ShardPlacement.target(placement, SHARDS, nodes, 3)).isEqualTo(placement);
    }

    @Test
    void givenCurrentMembersWithDetachedNodesAndJunk_whenTargeted_thenDetachedAreReplacedAndKeptOnesStayInOrder() {
        List<NodeIdentity> nodes = nodes(4);
        UUID detached = new UUID(9, 9);
        UUID a = nodes.get(0).uuid(), b = nodes.get(1).uuid(), c = nodes.get(2).uuid(), d = nodes.get(3).uuid();
        Map<Integer, List<UUID>> current = new TreeMap<>();
        current.put(0, List.of(detached, b, c)); // lost its leader
        current.put(1, List.of(c, a, a, b)); // duplicate
        current.put(2, List.of(d, a, b, c)); // one too many
        current.put(99, List.of(a, b, c)); // shard outside the range
        current.put(3, new ArrayList<>(Collections.singletonList((UUID) null)));

        Map<Integer, List<UUID>> placement = ShardPlacement.target(current, 4, nodes, 3);

        assertValid(placement, 4, nodes, 3);
        assertThat(placement).containsOnlyKeys(0, 1, 2, 3);
        assertThat(placement.get(0)).doesNotContain(detached).contains(b, c);
        assertThat(placement.get(0).stream().filter(u -> u.equals(b) || u.equals(c)).toList())
                .as("kept members keep their current order").containsExactly(b, c);
        assertThat(placement.get(1)).containsExactlyInAnyOrder(c, a, b);
        assertThat(placement.get(2)).containsExactlyInAnyOrder(d, a, b);
    }

    @Test
    void givenAKeptLeaderThatFitsTheBalance_whenAReplicaIsRefilled_thenItStaysLeaderAndNewcomersFollowTheKeptMembers() {
        List<NodeIdentity> nodes = nodes(3);
        UUID a = nodes.get(0).uuid(), b = nodes.get(1).uuid(), c = nodes.get(2).uuid();
        Map<Integer, List<UUID>> current = Map.of(0, List.of(c, a, b), 1, List.of(a, b, c), 2, List.of(b, new UUID(9, 9)));

        Map<Integer, List<UUID>> placement = ShardPlacement.target(current, 3, nodes, 3);

        assertThat(placement.get(0)).containsExactly(c, a, b);
        assertThat(placement.get(1)).containsExactly(a, b, c);
        assertThat(placement.get(2)).containsExactly(b, a, c);
    }

    @Test
    void givenTheSameInputs_whenTargetedTwiceOrWithShuffledNodes_thenTheResultIsTheSame() {
        List<NodeIdentity> nodes = List.of(node(1, "r1", "a"), node(2, "r1", "b"), node(3, "r2", "a"),
                node(4, "r2", "a"), node(5, "r3", "c"), node(6, "r3", "d"), node(7, "r1", "a"));
        Map<Integer, List<UUID>> current = ShardPlacement.target(Map.of(), SHARDS, nodes.subList(0, 5), 3);

        Map<Integer, List<UUID>> first = ShardPlacement.target(current, SHARDS, nodes, 3);
        Map<Integer, List<UUID>> second = ShardPlacement.target(current, SHARDS, nodes, 3);
        List<NodeIdentity> shuffled = new ArrayList<>(nodes);
        Collections.shuffle(shuffled, new Random(42));
        Map<Integer, List<UUID>> third = ShardPlacement.target(current, SHARDS, shuffled, 3);

        assertThat(second).isEqualTo(first);
        assertThat(third).isEqualTo(first);
        assertThat(List.copyOf(first.keySet())).as("shard order").isEqualTo(range(SHARDS));
    }

    @Test
    void givenAResult_whenModified_thenItRefuses() {
        Map<Integer, List<UUID>> placement = ShardPlacement.target(Map.of(), 2, nodes(3), 3);
        assertThatThrownBy(() -> placement.put(5, List.of())).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> placement.get(0).clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void givenInvalidInputs_whenTargeted_thenIllegalArgumentWithAClearMessage() {
        List<NodeIdentity> three = nodes(3);
        assertThatThrownBy(() -> ShardPlacement.target(Map.of(), SHARDS, nodes(4), 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rf must be an odd number")
                .hasMessageContaining("4");
        assertThatThrownBy(() -> ShardPlacement.target(Map.of(), SHARDS, three, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rf must be an odd number");
        assertThatThrownBy(() -> ShardPlacement.target(Map.of(), SHARDS, three, -3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rf must be an odd number");
        assertThatThrownBy(() -> ShardPlacement.target(Map.of(), 0, three, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("shardCount must be at least 1 but was 0");
        assertThatThrownBy(() -> ShardPlacement.target(Map.of(), SHARDS, three.subList(0, 2), 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rf 3 needs at least 3 nodes to hold replicas but only 2 are available");
        assertThatThrownBy(() -> ShardPlacement.target(Map.of(), SHARDS, three, 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only 3 are available");
        assertThatThrownBy(() -> ShardPlacement.target(Map.of(), SHARDS, with(three, three.get(0)), 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("listed more than once");
        assertThatThrownBy(() -> ShardPlacement.metadataAware(List.of(1, -1, 1), 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("non-negative");
        assertThatThrownBy(() -> ShardPlacement.metadataAware(List.of(1, 1, 1), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rf must be at least 1");
    }

    // ---- property-style -----------------------------------------------------------------------------

    @Test
    void givenSeededRandomJoinsAndRemovals_whenTargetedAfterEach_thenValidSpreadBalancedAndJoinsMoveLittle() {
        // plain checks collected as messages: AssertJ per shard would dominate the run time
        List<String> violations = new ArrayList<>();
        int joins = 0;
        for (int seed = 0; seed < 300; seed++) {
            Random random = new Random(seed);
            int rf = random.nextInt(4) == 0 ? 5 : 3;
            int shards = List.of(8, 16, 16, 32).get(random.nextInt(4));
            int racks = 1 + random.nextInt(3);
            int blocks = 1 + random.nextInt(4);
            List<NodeIdentity> nodes = new ArrayList<>();
            while (nodes.size() < rf + random.nextInt(3)) {
                nodes.add(randomNode(random, racks, blocks));
            }
            Map<Integer, List<UUID>> placement = Map.of();
            Awareness level = null;
            for (int step = 0; step < 10; step++) {
                String context = "seed " + seed + " step " + step + ": ";
                boolean join = step > 0 && (nodes.size() <= rf || nodes.size() < 14 && random.nextInt(5) < 3);
                if (step > 0) {
                    if (join) {
                        nodes.add(randomNode(random, racks, blocks));
                    } else {
                        nodes.remove(random.nextInt(nodes.size()));
                    }
                }
                Awareness previous = level;
                level = ShardPlacement.awareness(nodes, rf);
                Map<Integer, List<UUID>> next = ShardPlacement.target(placement, shards, nodes, rf);

                Map<UUID, NodeIdentity> byId = byId(nodes);
                if (!next.keySet().equals(Set.copyOf(range(shards)))) {
                    violations.add(context + "shards " + next.keySet());
                }
                for (Map.Entry<Integer, List<UUID>> e : next.entrySet()) {
                    List<UUID> members = e.getValue();
                    if (members.size() != rf || Set.copyOf(members).size() != rf || !byId.keySet().containsAll(members)) {
                        violations.add(context + "rule 1, shard " + e.getKey() + " " + members);
                    }
                    Awareness at = level;
                    if (at != Awareness.NODE && members.stream().map(u -> ShardPlacement.domain(byId.get(u), at))
                            .distinct().count() != rf) {
                        violations.add(context + "rule 2 at " + at + ", shard " + e.getKey());
                    }
                }
                Collection<Integer> loads = loads(next, nodes).values();
                if (Collections.max(loads) - Collections.min(loads) > 1) {
                    violations.add(context + "replica balance " + loads + " at " + level);
                }
                Collection<Integer> leaders = leaderCounts(next, nodes).values();
                if (Collections.max(leaders) - Collections.min(leaders) > 1) {
                    violations.add(context + "leader balance " + leaders);
                }
                if (join && !stricter(previous, level)) {
                    joins++;
                    int total = shards * rf;
                    int moved = moved(placement, next);
                    if (moved > (total + nodes.size() - 1) / nodes.size() + 1) {
                        violations.add(context + "a join moved " + moved + " of " + total + " replicas on " + nodes.size()
                                + " nodes");
                    }
                }
                if (seed % 10 == 0) {
                    List<NodeIdentity> shuffled = new ArrayList<>(nodes);
                    Collections.shuffle(shuffled, random);
                    if (!ShardPlacement.target(placement, shards, shuffled, rf).equals(next)) {
                        violations.add(context + "shuffled nodes gave another result");
                    }
                }
                placement = next;
            }
        }
        assertThat(violations).isEmpty();
        assertThat(joins).as("joins exercised").isGreaterThan(500);
    }

    /** Whether the awareness level rose, so current members may have to be separated. */
    private static boolean stricter(Awareness before, Awareness after) {
        return before != null && after.ordinal() < before.ordinal();
    }

    // ---- helpers -------------------------------------------------------------------------------------

    private static NodeIdentity node(long id, String rack, String block) {
        UUID uuid = new UUID(0x5eedL, id);
        return new NodeIdentity(uuid, "10.0.0." + id, new FaultDomain(rack, block, "n" + id), "1");
    }

    /** {@code count} nodes, each in its own block of one rack. */
    private static List<NodeIdentity> nodes(int count) {
        List<NodeIdentity> nodes = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            nodes.add(node(i, "r", "b" + i));
        }
        return nodes;
    }

    private static NodeIdentity randomNode(Random random, int racks, int blocks) {
        UUID uuid = new UUID(random.nextLong(), random.nextLong());
        return new NodeIdentity(uuid, "addr", new FaultDomain("r" + random.nextInt(racks), "b" + random.nextInt(blocks),
                uuid.toString()), "1");
    }

    private static List<NodeIdentity> with(List<NodeIdentity> nodes, NodeIdentity extra) {
        List<NodeIdentity> all = new ArrayList<>(nodes);
        all.add(extra);
        return all;
    }

    private static List<Integer> range(int count) {
        List<Integer> range = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            range.add(i);
        }
        return range;
    }

    private static Map<UUID, NodeIdentity> byId(List<NodeIdentity> nodes) {
        return nodes.stream().collect(Collectors.toMap(NodeIdentity::uuid, Function.identity()));
    }

    /** Rule 1: every shard has exactly rf distinct members, all of them eligible; nothing is modifiable. */
    private static void assertValid(Map<Integer, List<UUID>> placement, int shards, List<NodeIdentity> nodes, int rf) {
        Set<UUID> eligible = byId(nodes).keySet();
        assertThat(placement).containsOnlyKeys(range(shards));
        placement.forEach((shard, members) -> {
            assertThat(members).as("shard %d", shard).hasSize(rf).doesNotHaveDuplicates().isSubsetOf(eligible);
            assertThatThrownBy(() -> members.add(members.getFirst())).isInstanceOf(UnsupportedOperationException.class);
        });
    }

    /** Rule 2: no two members of a shard share a domain at {@code level}. */
    private static void assertDistinctDomains(Map<Integer, List<UUID>> placement, List<NodeIdentity> nodes, Awareness level) {
        Map<UUID, NodeIdentity> byId = byId(nodes);
        placement.forEach((shard, members) -> assertThat(members.stream()
                .map(u -> ShardPlacement.domain(byId.get(u), level)).toList())
                .as("%s domains of shard %d", level, shard).doesNotHaveDuplicates());
    }

    private static Map<UUID, Integer> loads(Map<Integer, List<UUID>> placement, List<NodeIdentity> nodes) {
        Map<UUID, Integer> loads = new TreeMap<>();
        nodes.forEach(n -> loads.put(n.uuid(), 0));
        placement.values().forEach(members -> members.forEach(u -> loads.merge(u, 1, Integer::sum)));
        return loads;
    }

    private static Map<UUID, Integer> leaderCounts(Map<Integer, List<UUID>> placement, List<NodeIdentity> nodes) {
        Map<UUID, Integer> counts = new TreeMap<>();
        nodes.forEach(n -> counts.put(n.uuid(), 0));
        placement.values().forEach(members -> counts.merge(members.getFirst(), 1, Integer::sum));
        return counts;
    }

    private static Set<UUID> difference(Collection<UUID> of, Collection<UUID> minus) {
        Set<UUID> difference = new HashSet<>(of == null ? List.of() : of);
        difference.removeAll(minus == null ? List.of() : minus);
        return difference;
    }

    /** Replicas that moved: per shard, the target members that were not current members. */
    private static int moved(Map<Integer, List<UUID>> before, Map<Integer, List<UUID>> after) {
        return after.entrySet().stream().mapToInt(e -> difference(e.getValue(), before.get(e.getKey())).size()).sum();
    }

    /** The nodes that received a moved replica. */
    private static Set<UUID> arrivals(Map<Integer, List<UUID>> before, Map<Integer, List<UUID>> after) {
        Set<UUID> arrivals = new HashSet<>();
        after.forEach((shard, members) -> arrivals.addAll(difference(members, before.get(shard))));
        return arrivals;
    }
}
