package io.cairn.cluster.zeus.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.cluster.api.Leadership;
import io.cairn.cluster.api.LeadershipListener;
import io.cairn.cluster.api.VersionedDocument;

/**
 * One node's candidacy for one role. Curator's leader latch picks the leader; the winner then
 * increments the role's epoch record with a compare-and-set, and every leader-only write checks
 * the epoch record's version in the same transaction (the fence). A leader whose session expired
 * while it was paused therefore cannot write anything once the next leader has taken its epoch.
 */
final class Election implements AutoCloseable {

    /** The content of {@code /cairn/elections/<role>/epoch}. */
    record EpochRecord(long epoch, String node, String address) {
    }

    private final Logger logger = LoggerFactory.getLogger(Election.class);
    private final ZeusService zeus;
    private final CuratorFramework curator;
    private final String role;
    private final LeadershipListener listener;
    private final String base;
    private final ExecutorService events;
    private final LeaderLatch latch;
    private volatile Held current;
    private volatile boolean closed;

    Election(ZeusService zeus, String role, LeadershipListener listener) {
        this.zeus = zeus;
        this.curator = zeus.curator();
        this.role = role;
        this.listener = listener;
        this.base = ZeusService.ELECTIONS + "/" + role;
        this.events = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("election-" + role).daemon(true).factory());
        this.latch = new LeaderLatch(curator, base + "/latch", zeus.self().uuid().toString());
    }

    void start() {
        latch.addListener(new LeaderLatchListener() {
            @Override
            public void isLeader() {
                acquire();
            }

            @Override
            public void notLeader() {
                release("the Zookeeper session was suspended or lost");
            }
        }, events);
        try {
            latch.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot join the election for " + role + ": " + e, e);
        }
    }

    private void acquire() {
        String epochPath = base + "/epoch";
        for (int attempt = 0; attempt < 50 && !closed && latch.hasLeadership(); attempt++) {
            try {
                Stat stat = new Stat();
                byte[] data;
                try {
                    data = curator.getData().storingStatIn(stat).forPath(epochPath);
                } catch (KeeperException.NoNodeException e) {
                    try {
                        curator.create().creatingParentsIfNeeded().forPath(epochPath, Json.write(new EpochRecord(0, null, null)));
                    } catch (KeeperException.NodeExistsException ignored) {
                        // another candidate created it
                    }
                    continue;
                }
                EpochRecord before = Json.read(data, EpochRecord.class, "epoch of " + role);
                EpochRecord mine = new EpochRecord(before.epoch() + 1, zeus.self().uuid().toString(), zeus.self().address());
                Stat after = curator.setData().withVersion(stat.getVersion()).forPath(epochPath, Json.write(mine));
                try {
                    curator.create().withMode(CreateMode.EPHEMERAL).forPath(base + "/leader-" + mine.epoch());
                } catch (KeeperException.NodeExistsException ignored) {
                    // retried create
                }
                Held held = new Held(mine.epoch(), new ZeusService.Fence(role, mine.epoch(), epochPath, after.getVersion()));
                current = held;
                logger.info("This node leads {} with epoch {} (previous leader {} at epoch {})", role, mine.epoch(),
                        before.address() == null ? "none" : before.address(), before.epoch());
                try {
                    listener.acquired(held);
                } catch (RuntimeException e) {
                    logger.warn("leadership listener of {} failed: {}", role, e.toString(), e);
                }
                return;
            } catch (KeeperException.BadVersionException e) {
                // a concurrent increment: read again
            } catch (Exception e) {
                logger.info("Taking leadership of {} failed ({}); retrying", role, e.toString());
                sleep(200);
            }
        }
    }

    private void release(String why) {
        Held held = current;
        current = null;
        if (held != null && !held.lost) {
            held.lost = true;
            logger.info("This node lost leadership of {} (epoch {}): {}", role, held.epoch, why);
            try {
                curator.delete().quietly().inBackground().forPath(base + "/leader-" + held.epoch);
            } catch (Exception e) {
                // the ephemeral node goes with the session anyway
            }
            try {
                listener.lost(held);
            } catch (RuntimeException e) {
                logger.warn("leadership listener of {} failed: {}", role, e.toString(), e);
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        events.execute(() -> release("stepped down"));
        try {
            latch.close(LeaderLatch.CloseMode.SILENT);
        } catch (Exception e) {
            logger.debug("closing latch of {}: {}", role, e.toString());
        }
        events.shutdown();
    }

    private final class Held implements Leadership {
        private final long epoch;
        private final ZeusService.Fence fence;
        private volatile boolean lost;

        Held(long epoch, ZeusService.Fence fence) {
            this.epoch = epoch;
            this.fence = fence;
        }

        @Override
        public String role() {
            return role;
        }

        @Override
        public long epoch() {
            return epoch;
        }

        @Override
        public boolean valid() {
            return !lost && latch.hasLeadership() && zeus.connected();
        }

        @Override
        public VersionedDocument write(String document, byte[] data, int expectedVersion) {
            if (lost) {
                throw new io.cairn.common.error.CairnException(io.cairn.common.error.ErrorCode.FAILED_PRECONDITION,
                        "leadership of " + role + " epoch " + epoch + " was lost; this node must not act for it");
            }
            return zeus.fencedWrite(fence, document, data, expectedVersion);
        }

        ZeusService.Fence fence() {
            return fence;
        }

        @Override
        public String toString() {
            return role + "@" + epoch;
        }
    }

    /** The fence of a leadership this election handed out (for tasks and alerts in this bundle). */
    static ZeusService.Fence fenceOf(Leadership leadership) {
        return ((Held) leadership).fence();
    }
}
