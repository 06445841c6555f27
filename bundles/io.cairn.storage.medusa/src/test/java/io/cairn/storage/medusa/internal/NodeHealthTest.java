package io.cairn.storage.medusa.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.cairn.cluster.api.FaultDomain;
import io.cairn.cluster.api.NodeIdentity;

/** Spec 20 §8: node down 30 min (fast-forward) → out of the ring; back 15 min → in. */
class NodeHealthTest {

    static NodeIdentity node(int i) {
        UUID id = new UUID(0, i);
        return new NodeIdentity(id, "127.0.1." + i, new FaultDomain("r", "b" + i, id.toString()), "1");
    }

    final List<NodeIdentity> nodes = List.of(node(1), node(2), node(3), node(4));
    final UUID four = nodes.get(3).uuid();
    final Set<UUID> all = Set.of(node(1).uuid(), node(2).uuid(), node(3).uuid(), four);
    final Set<UUID> withoutFour = Set.of(node(1).uuid(), node(2).uuid(), node(3).uuid());
    final ShardMap empty = new ShardMap(1, 3, List.of(new ShardMap.Group(0, UUID.randomUUID(), List.of(node(1).uuid(),
            node(2).uuid(), node(3).uuid()), null)), Map.of(), List.of(), Map.of());

    @Test
    void givenTheSpecDefaults_whenANodeIsDownThirtyMinutesAndBackFifteen_thenItLeavesAndRejoinsTheRing() {
        List<NodeIdentity> alerts = new ArrayList<>();
        long t = 1_000_000;
        ShardMap m = ShardMapTestSupport.step(empty, nodes, withoutFour, ClusterSettings.DEFAULTS, t, alerts);
        assertThat(m.down()).containsKey(four);
        m = ShardMapTestSupport.step(m, nodes, withoutFour, ClusterSettings.DEFAULTS, t + 1799_000, alerts);
        assertThat(m.detached()).as("29:59 down: still in the ring").isEmpty();
        m = ShardMapTestSupport.step(m, nodes, withoutFour, ClusterSettings.DEFAULTS, t + 1800_000, alerts);
        assertThat(m.detached()).as("30:00 down: detached").containsExactly(four);
        assertThat(alerts).extracting(NodeIdentity::uuid).containsExactly(four);
        // back: not in the ring until it has been up for 15 minutes without interruption
        long back = t + 4000_000;
        m = ShardMapTestSupport.step(m, nodes, all, ClusterSettings.DEFAULTS, back, alerts);
        assertThat(m.detached()).containsExactly(four);
        assertThat(m.down()).doesNotContainKey(four);
        m = ShardMapTestSupport.step(m, nodes, withoutFour, ClusterSettings.DEFAULTS, back + 600_000, alerts);
        assertThat(m.back()).as("going down again restarts the rejoin clock").doesNotContainKey(four);
        m = ShardMapTestSupport.step(m, nodes, all, ClusterSettings.DEFAULTS, back + 700_000, alerts);
        m = ShardMapTestSupport.step(m, nodes, all, ClusterSettings.DEFAULTS, back + 700_000 + 899_000, alerts);
        assertThat(m.detached()).as("14:59 back").containsExactly(four);
        m = ShardMapTestSupport.step(m, nodes, all, ClusterSettings.DEFAULTS, back + 700_000 + 900_000, alerts);
        assertThat(m.detached()).as("15:00 back: in the ring again").isEmpty();
        assertThat(m.back()).isEmpty();
        assertThat(alerts).hasSize(1);
    }

    @Test
    void givenANodeRecordedDown_whenItsPresenceReturns_thenTheNextMapReportsItBack() {
        ShardMap down = ShardMapTestSupport.step(empty, nodes, withoutFour, ClusterSettings.DEFAULTS, 1000, new ArrayList<>());
        assertThat(down.backSince(empty)).isEmpty();
        ShardMap stillDown = ShardMapTestSupport.step(down, nodes, withoutFour, ClusterSettings.DEFAULTS, 2000, new ArrayList<>());
        assertThat(stillDown.backSince(down)).isEmpty();
        ShardMap up = ShardMapTestSupport.step(stillDown, nodes, all, ClusterSettings.DEFAULTS, 3000, new ArrayList<>());
        assertThat(up.backSince(stillDown)).as("its channels are reopened on every node").containsExactly(four);
        assertThat(ShardMap.parse(up.toJson()).backSince(ShardMap.parse(stillDown.toJson()))).containsExactly(four);
        assertThat(up.backSince(up)).isEmpty();
    }

    @Test
    void givenARemovedNode_whenHealthComputed_thenItsRecordsAreDropped() {
        ShardMap m = empty.withHealth(Map.of(four, 5L), List.of(four), Map.of());
        ShardMap after = MedusaController.health(m, nodes.subList(0, 3), withoutFour, ClusterSettings.DEFAULTS, 10, n -> { });
        assertThat(after.down()).isEmpty();
        assertThat(after.detached()).isEmpty();
    }

    @Test
    void givenTheMap_whenSerialised_thenItReadsBackEqual() {
        ShardMap m = empty.withHealth(Map.of(four, 5L), List.of(four), Map.of(four, 7L));
        assertThat(ShardMap.parse(m.toJson())).isEqualTo(m);
    }

    /** Keeps the calls short. */
    static final class ShardMapTestSupport {
        static ShardMap step(ShardMap m, List<NodeIdentity> nodes, Set<UUID> up, ClusterSettings s, long now, List<NodeIdentity> alerts) {
            return MedusaController.health(m, nodes, up, s, now, alerts::add);
        }
    }
}
