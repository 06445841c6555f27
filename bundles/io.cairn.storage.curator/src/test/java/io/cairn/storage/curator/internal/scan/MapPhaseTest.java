package io.cairn.storage.curator.internal.scan;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;
import io.cairn.storage.api.stargate.ExtentGroups;
import io.cairn.storage.api.stargate.VDisk;

class MapPhaseTest {

    static final List<Integer> SHARDS = IntStream.range(0, 16).boxed().toList();
    static final UUID LEADER = new UUID(1, 1);
    static final UUID TWO = new UUID(1, 2);
    static final UUID THREE = new UUID(1, 3);
    static final UUID FOUR = new UUID(1, 4);

    /** 48 vDisks, three per shard, one extent group each. */
    static FakeCatalog catalog() {
        FakeCatalog c = new FakeCatalog();
        for (int i = 0; i < 48; i++) {
            c.add("ctr1", "vd" + i, 2, i % 16, List.of(new ExtentGroups.ExtentGroup(i, List.of(LEADER, TWO), 1)));
        }
        return c;
    }

    /** Each shard led by node 1 + shard % n. */
    static MapTaskAssignment assignment(int n) {
        List<UUID> nodes = List.of(LEADER, TWO, THREE, FOUR).subList(0, n);
        Map<Integer, UUID> leaders = new HashMap<>();
        SHARDS.forEach(s -> leaders.put(s, nodes.get(s % n)));
        return MapTaskAssigner.assign(SHARDS, leaders, Set.copyOf(nodes));
    }

    /** Another node answering through the wire, as the RPC would. */
    static CompletableFuture<List<VDiskScan>> answer(FakeCatalog c, List<Integer> shards) {
        return CompletableFuture.completedFuture(MapTaskWire.scans(MapTaskWire.reply(MapTask.run(c, shards, () -> false))));
    }

    static void assertEveryVDiskOnce(MapPhase.Outcome o, FakeCatalog c) {
        assertThat(o.scans()).extracting(s -> s.vdisk().uuid()).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(c.vdisks.stream().map(VDisk::uuid).toList());
    }

    @Test
    void givenFourHealthyNodes_thenEachRunsItsOwnShardsAndScansAQuarter() throws Exception {
        FakeCatalog c = catalog();
        List<UUID> asked = new ArrayList<>();
        MapPhase phase = new MapPhase(LEADER, (node, shards) -> {
            asked.add(node);
            return answer(c, shards);
        }, c, Duration.ofSeconds(5));

        MapPhase.Outcome o = phase.run(assignment(4));

        assertThat(asked).containsExactlyInAnyOrder(TWO, THREE, FOUR); // the leader runs its own share itself
        assertEveryVDiskOnce(o, c);
        assertThat(o.leftOver()).isZero();
        assertThat(o.reports()).hasSize(4).allSatisfy(r -> {
            assertThat(r.ranOn()).isEqualTo(r.node());
            assertThat(r.shards()).hasSize(4);
            assertThat(r.vdisks()).isEqualTo(12);
            assertThat(r.egroups()).isEqualTo(12);
            assertThat(r.failure()).isNull();
        });
    }

    @Test
    void givenANodeWhoseMapTasksFailAndOneThatDoesNotAnswer_thenTheLeaderRunsTheirShardsAndNothingIsLost() throws Exception {
        FakeCatalog c = catalog();
        MapPhase phase = new MapPhase(LEADER, (node, shards) -> {
            if (node.equals(TWO)) {
                return CompletableFuture.failedFuture(new CairnException(ErrorCode.UNAVAILABLE, "peer lost"));
            }
            if (node.equals(THREE)) {
                return new CompletableFuture<>(); // never answers
            }
            if (node.equals(FOUR)) {
                throw new IllegalStateException("node " + node + " is not in the cluster");
            }
            return answer(c, shards);
        }, c, Duration.ofMillis(200));

        MapPhase.Outcome o = phase.run(assignment(4));

        assertEveryVDiskOnce(o, c);
        Map<UUID, MapPhase.Report> byNode = new HashMap<>();
        o.reports().forEach(r -> byNode.put(r.node(), r));
        assertThat(byNode.get(LEADER).ranOn()).isEqualTo(LEADER);
        assertThat(byNode.get(TWO).ranOn()).isEqualTo(LEADER);
        assertThat(byNode.get(TWO).failure()).isEqualTo("peer lost");
        assertThat(byNode.get(THREE).ranOn()).isEqualTo(LEADER);
        assertThat(byNode.get(THREE).failure()).contains("no answer within");
        assertThat(byNode.get(FOUR).failure()).contains("not in the cluster");
        assertThat(byNode.values()).allSatisfy(r -> assertThat(r.vdisks()).isEqualTo(12));
    }

    @Test
    void givenAVDiskCreatedWhileTheMapTasksRan_thenTheLeadersLastPassScansIt() throws Exception {
        FakeCatalog c = catalog();
        VDisk[] late = new VDisk[1];
        MapPhase phase = new MapPhase(LEADER, (node, shards) -> {
            CompletableFuture<List<VDiskScan>> out = answer(c, shards);
            if (node.equals(THREE)) {
                synchronized (c) {
                    late[0] = c.add("ctr1", "late", 2, shards.getFirst(), List.of(new ExtentGroups.ExtentGroup(99, List.of(TWO), 1)));
                }
            }
            return out;
        }, c, Duration.ofSeconds(5));

        MapPhase.Outcome o = phase.run(assignment(3));

        assertEveryVDiskOnce(o, c);
        assertThat(o.scans()).extracting(s -> s.vdisk().uuid()).contains(late[0].uuid());
        assertThat(o.leftOver()).isEqualTo(1);
    }

    @Test
    void givenNoAssignment_thenTheLeaderScansEveryVDiskItself() throws Exception {
        FakeCatalog c = catalog();
        MapPhase phase = new MapPhase(LEADER, (node, shards) -> {
            throw new AssertionError("no map task should be sent");
        }, c, Duration.ofSeconds(5));

        MapPhase.Outcome o = phase.run(null);

        assertEveryVDiskOnce(o, c);
        assertThat(o.reports()).isEmpty();
        assertThat(o.leftOver()).isEqualTo(48);
    }

    @Test
    void givenAMapTaskPastItsDeadline_thenItStopsWithATimeout() {
        FakeCatalog c = catalog();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MapTask.run(c, SHARDS, () -> true))
                .isInstanceOfSatisfying(CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.TIMEOUT))
                .hasMessageContaining("ran past its deadline");
        assertThat(MapTask.run(c, List.of(), () -> true)).isEmpty();
    }
}
