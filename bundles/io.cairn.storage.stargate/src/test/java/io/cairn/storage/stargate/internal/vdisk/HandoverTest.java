package io.cairn.storage.stargate.internal.vdisk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.storage.api.stargate.ContainerSpec;
import io.cairn.storage.api.stargate.StargateException;
import io.cairn.storage.api.stargate.VDiskIo;
import io.cairn.storage.stargate.internal.catalog.Catalog;

/**
 * The graceful handover of a vDisk's ownership (spec 20, ownership follows the VM) on a real one-node
 * data path (real OpLog, extent store and drain, in-memory Medusa): the owner quiesces the vDisk,
 * names the new owner in the record at the next epoch with its own epoch as base, and stops serving;
 * operations that waited fail with STALE_OWNER; whoever takes the vDisk next replays the undrained
 * records, so no acknowledged write is lost or reordered.
 */
@Timeout(120)
class HandoverTest {

    private static final int KIB = 1024;

    @TempDir
    Path home;

    private OneNodeDataPath node;

    @AfterEach
    void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    private Catalog.VDiskRecord vdisk() {
        node.catalog.createContainer(new ContainerSpec("ctr", 1, 0, 0));
        return node.catalog.createVDisk("ctr", "vd", 64L << 20);
    }

    private static byte[] pattern(long seed, int length) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] read(VDiskIo io, long offset, int length) {
        ByteBuffer dst = ByteBuffer.allocate(length);
        io.read(offset, dst);
        return dst.array();
    }

    @Test
    void givenAckedWrites_whenHandedOverAndTakenAgain_thenEveryWriteReadsBackInOrder_atANewerEpoch() throws Exception {
        node = OneNodeDataPath.open(home, UUID.randomUUID(), new InMemoryMedusa());
        Catalog.VDiskRecord r = vdisk();
        VDiskIo io = node.path.open(r);
        // overlapping writes: the later one must win after the replay
        for (int i = 0; i < 32; i++) {
            io.write((i % 8) * 64L * KIB, ByteBuffer.wrap(pattern(i, 64 * KIB)), false);
        }
        VDiskController c = node.path.local(r).orElseThrow();
        long epoch = c.epoch;
        UUID other = UUID.randomUUID();

        assertThat(node.path.handOver(c, other, "test")).isTrue();

        VDiskMeta.Owner given = new VDiskMeta(node.medusa, r.uuid()).owner().orElseThrow().value();
        assertThat(given.node()).isEqualTo(other);
        assertThat(given.epoch()).isEqualTo(epoch + 1);
        assertThat(given.base()).as("the giver's records stay valid for the taker").isEqualTo(epoch);
        assertThat(given.ready()).isFalse();
        assertThat((java.util.List<?>) node.path.page().get("vdisks")).as("the giver no longer serves it").isEmpty();
        assertThatThrownBy(() -> c.gated(() -> {
        })).isInstanceOf(StargateException.class).hasMessageContaining(DataRpc.NOT_OWNER_MARK);

        // the new owner is not running, so this node takes the vDisk again (as any node would): the replay keeps every write
        for (int i = 24; i < 32; i++) {
            assertThat(read(io, (i % 8) * 64L * KIB, 64 * KIB)).as("write %d", i).isEqualTo(pattern(i, 64 * KIB));
        }
        VDiskMeta.Owner now = new VDiskMeta(node.medusa, r.uuid()).owner().orElseThrow().value();
        assertThat(now.node()).isEqualTo(node.self);
        assertThat(now.epoch()).isEqualTo(epoch + 2);
        assertThat(now.ready()).isTrue();
    }

    @Test
    void givenAnOperationRunning_whenQuiesced_thenTheHandoverWaitsForIt_andLaterOperationsFailWithStaleOwner() throws Exception {
        node = OneNodeDataPath.open(home, UUID.randomUUID(), new InMemoryMedusa());
        Catalog.VDiskRecord r = vdisk();
        VDiskIo io = node.path.open(r);
        io.write(0, ByteBuffer.wrap(pattern(1, 4 * KIB)), false);
        VDiskController c = node.path.local(r).orElseThrow();
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        Thread op = Thread.ofVirtual().start(() -> c.gated(() -> {
            running.countDown();
            try {
                finish.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(c.quiesce(Duration.ofMillis(200))).as("an operation runs: no quiesce yet").isFalse();
        finish.countDown();
        op.join(10_000);
        assertThat(c.quiesce(Duration.ofSeconds(10))).isTrue();
        c.close();
        c.resume();
        assertThatThrownBy(() -> c.gated(() -> {
        })).isInstanceOf(StargateException.class).hasMessageContaining(DataRpc.NOT_OWNER_MARK);
    }

    @Test
    void givenForwardedRequests_thenTheOwnerCountsThemByNode_andLocalIoEndsTheStreak() throws Exception {
        node = OneNodeDataPath.open(home, UUID.randomUUID(), new InMemoryMedusa());
        Catalog.VDiskRecord r = vdisk();
        VDiskIo io = node.path.open(r);
        io.write(0, ByteBuffer.wrap(pattern(1, 4 * KIB)), false);
        VDiskController c = node.path.local(r).orElseThrow();
        UUID other = UUID.randomUUID();
        node.path.followAfter(Duration.ofNanos(1));
        byte[] data = pattern(2, 4 * KIB);
        node.path.serve(r, "write", 8 * KIB, data.length, Wire.decode(Wire.encode(Map.of(), ByteBuffer.wrap(data))), other);
        assertThat(c.follow.from()).contains(other);
        // the forwarding node's Stargate is not running: nothing is handed to it
        assertThat(node.path.local(r)).containsSame(c);
        assertThat(new VDiskMeta(node.medusa, r.uuid()).owner().orElseThrow().value().node()).isEqualTo(node.self);
        assertThat(read(io, 8 * KIB, 4 * KIB)).isEqualTo(data);
        assertThat(c.follow.from()).as("a read here is local I/O").isEmpty();
    }

    @Test
    void givenANegativeFollowSetting_thenItIsRefused() throws Exception {
        node = OneNodeDataPath.open(home, UUID.randomUUID(), new InMemoryMedusa());
        assertThatThrownBy(() -> node.path.followAfter(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("vdisk_ownership_follow_secs");
        assertThat(node.path.followAfter()).isEqualTo(DataPath.DEFAULT_FOLLOW);
    }
}
