package io.cairn.storage.medusa.internal;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.exceptions.RaftException;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

import io.cairn.common.metrics.Histogram;
import io.cairn.storage.api.medusa.Entry;
import io.cairn.storage.api.medusa.MedusaException;
import io.cairn.storage.api.medusa.MedusaException.Reason;
import io.cairn.storage.api.medusa.Op;

import static io.cairn.storage.api.medusa.Medusa.ABSENT;
import static io.cairn.storage.api.medusa.Medusa.MAX_VALUE_BYTES;

/**
 * The data operations of Medusa: validates a request, routes it to its shard by the ring and sends
 * it to the shard's Raft group (writes through the log, reads as linearizable read-index queries),
 * within a deadline, mapping failures to typed errors.
 */
final class MedusaClient implements AutoCloseable {

    private final RatisNode ratis;
    private final Supplier<ShardMap> map;
    private final Duration opTimeout;
    private final Map<String, Histogram> latency;
    private final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
    private volatile ShardRing ring;

    MedusaClient(RatisNode ratis, Supplier<ShardMap> map, Duration opTimeout, Map<String, Histogram> latency) {
        this.ratis = ratis;
        this.map = map;
        this.opTimeout = opTimeout;
        this.latency = new HashMap<>(latency);
    }

    private ShardRing ring(ShardMap m) {
        ShardRing r = ring;
        if (r == null || r.shards() != m.shards()) {
            r = new ShardRing(m.shards());
            ring = r;
        }
        return r;
    }

    @Override
    public void close() {
        calls.shutdownNow();
    }


    public Optional<Entry> get(String key) {
        Keys.check(key);
        List<Entry> e = Codec.readEntries(query("get", shardOf(key), Codec.get(key)));
        return e.isEmpty() ? Optional.empty() : Optional.of(e.getFirst());
    }

    public long put(String key, byte[] value) {
        return write("put", List.of(new Op.Put(key, value))).getFirst();
    }

    public long compareAndSet(String key, long expectedVersion, byte[] value) {
        if (expectedVersion < 0) {
            throw new MedusaException(Reason.INVALID_REQUEST, "expected version " + expectedVersion
                    + " is negative; use 0 for 'must not exist' or a version from a read");
        }
        return write("cas", List.of(new Op.Cas(key, expectedVersion, value))).getFirst();
    }

    public boolean delete(String key) {
        return write("delete", List.of(new Op.Delete(key, -1))).getFirst() != ABSENT;
    }

    public void delete(String key, long expectedVersion) {
        if (expectedVersion < 0) {
            throw new MedusaException(Reason.INVALID_REQUEST, "expected version " + expectedVersion + " is negative");
        }
        write("delete", List.of(new Op.Delete(key, expectedVersion)));
    }

    public List<Long> batch(List<Op> ops) {
        return write("batch", ops);
    }

    public List<Entry> scan(String prefix, String startAfter, int limit) {
        Keys.check(prefix);
        if (prefix.indexOf('#') < 0) {
            throw new MedusaException(Reason.INVALID_REQUEST, "scan prefix '" + prefix + "' has no '#': a scan lists keys of one routing "
                    + "part, so the prefix must be the routing part followed by '#' (e.g. 'vdisk:42#')");
        }
        if (limit < 1 || limit > 10_000) {
            throw new MedusaException(Reason.INVALID_REQUEST, "scan limit " + limit + " is out of range: use 1 to 10000 and page with startAfter");
        }
        if (startAfter != null) {
            Keys.check(startAfter);
        }
        return Codec.readEntries(query("scan", shardOf(prefix), Codec.scan(prefix, startAfter, limit)));
    }

    public int shardOf(String key) {
        return ring(map.get()).shardOf(key);
    }

    private List<Long> write(String op, List<Op> ops) {
        if (ops == null || ops.isEmpty()) {
            throw new MedusaException(Reason.INVALID_REQUEST, "a batch needs at least one operation");
        }
        if (ops.size() > 10_000) {
            throw new MedusaException(Reason.INVALID_REQUEST, "a batch of " + ops.size() + " operations is too large: at most 10000");
        }
        String route = null;
        long bytes = 0;
        for (Op o : ops) {
            Keys.check(o.key());
            byte[] value = switch (o) {
                case Op.Put p -> p.value();
                case Op.Cas c -> c.value();
                default -> null;
            };
            if (value != null) {
                Keys.checkValue(o.key(), value);
                bytes += value.length;
            }
            String r = ShardRing.routingPart(o.key());
            if (route == null) {
                route = r;
            } else if (!route.equals(r)) {
                throw new MedusaException(Reason.INVALID_REQUEST, "a batch must stay in one shard: keys '" + ops.getFirst().key()
                        + "' and '" + o.key() + "' have different routing parts ('" + route + "' and '" + r
                        + "'); give keys that change together the same part before '#'");
            }
        }
        if (bytes > 4L * MAX_VALUE_BYTES) {
            throw new MedusaException(Reason.VALUE_TOO_LARGE, "a batch carries " + bytes + " bytes of values; at most "
                    + 4 * MAX_VALUE_BYTES + " per batch: split it");
        }
        // one request id for every resend: the shard applies the batch at most once
        byte[] reply = call(op, shardOf(ops.getFirst().key()), Codec.batch(ops, UUID.randomUUID(), System.currentTimeMillis()), false);
        return Codec.batchResult(reply, ops);
    }

    private byte[] query(String op, int shard, byte[] request) {
        return call(op, shard, request, true);
    }

    private byte[] call(String op, int shard, byte[] request, boolean readOnly) {
        Message message = Message.valueOf(ByteString.copyFrom(request));
        long start = System.nanoTime();
        long deadline = start + opTimeout.toNanos();
        ShardMap.Group group = map.get().group(shard);
        try {
            while (true) {
                group = map.get().group(shard);
                Future<RaftClientReply> future = ratis.submitLocal(org.apache.ratis.protocol.RaftGroupId.valueOf(group.group()),
                        message, readOnly);
                if (future == null) {
                    RaftClient client = ratis.client(group);
                    future = calls.submit(() -> readOnly ? client.io().sendReadOnly(message) : client.io().send(message));
                }
                Throwable failure;
                try {
                    RaftClientReply reply = future.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (reply.isSuccess()) {
                        return reply.getMessage().getContent().toByteArray();
                    }
                    failure = reply.getException();
                } catch (ExecutionException e) {
                    failure = e.getCause();
                } catch (TimeoutException e) {
                    future.cancel(true);
                    throw timeout(shard, group, readOnly);
                }
                // a read may always be sent again, and so may a write: it carries a request id, so the shard
                // applies it once even if an earlier attempt was committed after its reply was lost
                if (System.nanoTime() + RETRY_PAUSE_NANOS < deadline && retriable(failure)) {
                    Thread.sleep(RETRY_PAUSE_NANOS / 1_000_000);
                    continue;
                }
                if (System.nanoTime() + RETRY_PAUSE_NANOS >= deadline) {
                    throw timeout(shard, group, readOnly);
                }
                throw unavailable(shard, group, failure);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MedusaException(Reason.TIMEOUT, "interrupted while waiting for shard " + shard, -1, e);
        } finally {
            Histogram h = latency.get(op);
            if (h != null) {
                h.observe((System.nanoTime() - start) / 1e9);
            }
        }
    }

    private static final long RETRY_PAUSE_NANOS = 100_000_000L;

    /** Every failure but a replica's state machine refusing (its store failed: sending again would not help). */
    private static boolean retriable(Throwable t) {
        return !(t instanceof org.apache.ratis.protocol.exceptions.StateMachineException);
    }

    private MedusaException timeout(int shard, ShardMap.Group group, boolean readOnly) {
        return new MedusaException(Reason.TIMEOUT, "shard " + shard + " did not answer within " + opTimeout.toSeconds()
                + " s (members " + group.members() + "; no quorum, or overloaded); "
                + (readOnly ? "nothing was read" : "the write may still be applied: re-read the key"), -1, null);
    }

    private MedusaException unavailable(int shard, ShardMap.Group group, Throwable cause) {
        return new MedusaException(Reason.SHARD_UNAVAILABLE, "shard " + shard + " has no quorum: a majority of its members "
                + group.members() + " is not reachable (" + (cause == null ? "no reply" : cause.getClass().getSimpleName()
                + ": " + cause.getMessage()) + "); nothing stale is served, and a write is applied only if it reached a "
                + "leader before quorum was lost: re-read after the shard recovers", -1, cause instanceof RaftException ? null : cause);
    }

}
