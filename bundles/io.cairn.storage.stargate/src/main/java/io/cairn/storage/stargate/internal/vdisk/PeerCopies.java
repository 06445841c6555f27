package io.cairn.storage.stargate.internal.vdisk;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cairn.storage.api.stargate.StargateException;
import io.cairn.storage.api.stargate.StargateException.Reason;
import io.cairn.storage.stargate.internal.oplog.OpLogRecord;

/**
 * The peer OpLog copies of one vDisk's writes (spec 20 §4): RF−1 peers on fault domains distinct
 * from the owner's and each other's. Each peer gets one ordered stream: records reach it in sequence
 * order (its OpLog refuses an older record after a newer one), and everything queued while a call
 * is out goes in the next call, so concurrent writers share the peer's fsync as they share the
 * local one. A peer that fails is replaced by another live node and every record it had not
 * acknowledged is sent there, in order; a write completes when all its copies are durable.
 */
final class PeerCopies {

    private static final long MAX_CALL_BYTES = 16L << 20;

    private final Logger logger = LoggerFactory.getLogger(PeerCopies.class);
    private final Peers peers;
    private final String vdiskName;
    private final long vdiskId;
    private final long salt;
    private final int copies;
    private final Map<UUID, Stream> streams = new LinkedHashMap<>();
    private final Set<UUID> failed = new HashSet<>();
    /** Told when a peer failed: it may keep copies whose release it will miss. */
    private final Runnable onPeerFailure;

    /** One record on its way to one peer slot; {@code done} is what the writer waits for. */
    private record Pending(OpLogRecord record, CompletableFuture<Void> done) {
    }

    /** {@code salt} varies the choice among equally free peers (per 1 GiB region of the vDisk). */
    PeerCopies(Peers peers, String vdiskName, long salt, int copies, long vdiskId, Runnable onPeerFailure) {
        this.onPeerFailure = onPeerFailure;
        this.peers = peers;
        this.vdiskName = vdiskName;
        this.vdiskId = vdiskId;
        this.salt = salt;
        this.copies = copies;
    }

    /** The peers now holding copies. */
    synchronized List<UUID> current() {
        return List.copyOf(streams.keySet());
    }

    /**
     * Queues {@code r} to every peer; called in sequence order (under the owner's append lock).
     * Returns one future per copy.
     */
    synchronized List<CompletableFuture<Void>> send(OpLogRecord r) {
        fill();
        if (streams.size() < copies) {
            awaitPeers();
        }
        if (streams.size() < copies) {
            throw new StargateException(Reason.UNAVAILABLE, "vDisk " + vdiskName + " keeps " + (copies + 1)
                    + " copies of each write but only " + (streams.size() + 1) + " Stargate(s) on distinct fault domains were up "
                    + "within " + PEER_PATIENCE.toSeconds() + " s; the write failed");
        }
        List<CompletableFuture<Void>> out = new ArrayList<>();
        for (Stream s : streams.values()) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            s.enqueue(List.of(new Pending(r, f)));
            out.add(f);
        }
        return out;
    }

    /**
     * How long a write waits for enough live peers before it fails. A peer's Stargate presence disappears for a few
     * seconds when its Zeus session is re-established (a Zookeeper leader election under load can take longer than
     * the 6 s session time-out, and the peer's services then restart): the write rides through that rather than
     * failing at once; a peer that stays away fails it after this.
     */
    static final java.time.Duration PEER_PATIENCE = java.time.Duration.ofSeconds(15);

    /** Waits (monitor released, so failed streams can still hand over) until {@link #fill} finds enough peers, at most {@link #PEER_PATIENCE}. */
    private void awaitPeers() {
        logger.info("vDisk {}: only {} Stargate(s) on distinct fault domains are up for {} copies; waiting up to {} s for more",
                vdiskName, streams.size() + 1, copies + 1, PEER_PATIENCE.toSeconds());
        long end = System.nanoTime() + PEER_PATIENCE.toNanos();
        try {
            while (streams.size() < copies && System.nanoTime() < end) {
                wait(200);
                fill();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Adds peers until there are {@code copies} (or no more live candidates). */
    private void fill() {
        if (streams.size() >= copies) {
            return;
        }
        Set<UUID> exclude = new HashSet<>(streams.keySet());
        exclude.add(peers.self());
        exclude.addAll(failed);
        List<UUID> keep = new ArrayList<>();
        keep.add(peers.self());
        keep.addAll(streams.keySet());
        for (UUID n : peers.choose(copies - streams.size(), exclude, keep, salt)) {
            streams.put(n, new Stream(n));
        }
    }

    /** A stream failed: move what it had not delivered to a replacement, in order. */
    private synchronized void failedOver(Stream dead, List<Pending> undelivered, Throwable why) {
        onPeerFailure.run();
        if (streams.get(dead.node) != dead) {
            undelivered.forEach(p -> p.done.completeExceptionally(why));
            return;
        }
        streams.remove(dead.node);
        failed.add(dead.node);
        fill();
        Stream next = null;
        for (Stream s : streams.values()) {
            if (s.fresh) {
                next = s;
            }
        }
        if (next == null) {
            StargateException e = new StargateException(Reason.UNAVAILABLE, "vDisk " + vdiskName + ": the peer OpLog on " + dead.node
                    + " failed (" + why.getMessage() + ") and no other Stargate can take its copies; the write may be incomplete: retry "
                    + "once the cluster is healthy", why);
            undelivered.forEach(p -> p.done.completeExceptionally(e));
            return;
        }
        logger.info("vDisk {}: peer OpLog on {} failed ({}); its {} undelivered write(s) go to {}", vdiskName, dead.node, why.toString(),
                undelivered.size(), next.node);
        next.enqueue(undelivered);
    }

    /** One peer: at most one call out at a time, everything queued meanwhile in the next. */
    private final class Stream {
        final UUID node;
        final ArrayDeque<Pending> queue = new ArrayDeque<>();
        boolean inFlight;
        boolean dead;
        boolean fresh = true;

        Stream(UUID node) {
            this.node = node;
        }

        void enqueue(List<Pending> items) {
            synchronized (this) {
                if (dead) {
                    throw new IllegalStateException("stream to " + node + " is closed");
                }
                queue.addAll(items);
                if (inFlight) {
                    return;
                }
                inFlight = true;
            }
            sendNext();
        }

        private void sendNext() {
            List<Pending> batch = new ArrayList<>();
            synchronized (this) {
                long bytes = 0;
                while (!queue.isEmpty() && (batch.isEmpty() || bytes + queue.peek().record.payload().length <= MAX_CALL_BYTES)) {
                    Pending p = queue.poll();
                    bytes += p.record.payload().length;
                    batch.add(p);
                }
                if (batch.isEmpty()) {
                    inFlight = false;
                    return;
                }
                fresh = false;
            }
            byte[] body = encode(batch);
            CompletableFuture<byte[]> call;
            try {
                call = peers.call(node, DataRpc.OPLOG_APPEND, body);
            } catch (RuntimeException e) {
                call = CompletableFuture.failedFuture(e);
            }
            call.whenComplete((reply, error) -> {
                if (error == null) {
                    batch.forEach(p -> p.done.complete(null));
                    sendNext();
                    return;
                }
                Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null ? error.getCause() : error;
                if (cause.getMessage() != null && cause.getMessage().contains(DataRpc.STALE_EPOCH_MARK)) {
                    StargateException stale = new StargateException(Reason.STALE_OWNER, "vDisk " + vdiskName
                            + " has a newer owner (a peer refused this epoch); nothing more is written here", cause);
                    List<Pending> all = new ArrayList<>(batch);
                    synchronized (this) {
                        dead = true;
                        all.addAll(queue);
                        queue.clear();
                    }
                    all.forEach(p -> p.done.completeExceptionally(stale));
                    return;
                }
                List<Pending> undelivered = new ArrayList<>(batch);
                synchronized (this) {
                    dead = true;
                    undelivered.addAll(queue);
                    queue.clear();
                }
                failedOver(this, undelivered, cause);
            });
        }

        private byte[] encode(List<Pending> batch) {
            List<Map<String, Object>> records = new ArrayList<>();
            int total = 0;
            for (Pending p : batch) {
                OpLogRecord r = p.record;
                Map<String, Object> h = new LinkedHashMap<>();
                h.put("epoch", r.epoch());
                h.put("seq", r.sequence());
                h.put("offset", r.offset());
                h.put("length", r.length());
                h.put("kind", r.kind().name());
                h.put("bytes", r.payload().length);
                records.add(h);
                total += r.payload().length;
            }
            ByteBuffer data = ByteBuffer.allocate(total);
            for (Pending p : batch) {
                data.put(p.record.payload());
            }
            data.flip();
            return Wire.encode(Map.of("vdisk", vdiskId, "records", records), data);
        }
    }
}
