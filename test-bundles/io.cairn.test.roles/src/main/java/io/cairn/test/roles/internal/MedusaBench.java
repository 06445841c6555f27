package io.cairn.test.roles.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import io.cairn.cluster.api.LocalNode;
import io.cairn.cluster.rpc.RpcCall;
import io.cairn.cluster.rpc.RpcHandler;
import io.cairn.common.clock.Clock;
import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;
import io.cairn.common.ready.ReadyMarker;
import io.cairn.storage.api.medusa.Entry;
import io.cairn.storage.api.medusa.Medusa;
import io.cairn.storage.api.medusa.MedusaException;
import io.cairn.storage.api.medusa.ShardStatus;

/**
 * {@code medusa.bench}: drives this node's {@link Medusa} service in-process, as storage code calls it,
 * so the figures carry no CLI or RPC hop (bench/medusa.sh). Body
 * {@code {"op":"put|get|cas","clients":N,"ops":M,"valueBytes":B,"keys":K}}: M operations split over N
 * virtual threads on K keys spread evenly over every shard. {@code get} and {@code cas} first write
 * every key that does not exist yet (not timed). One {@code cas} operation is a read-modify-write: a linearizable get,
 * then compareAndSet with the version read; each client owns its keys, so a conflict means a bug
 * (they are counted, not retried). Answers {@code {ops, seconds, opsPerSec, p50us, p99us, errors}}, plus
 * conflicts, the compareAndSet step alone for {@code cas}, the p50 of operations whose shard this node
 * leads against those it must forward to another node's leader, and the first error's message.
 */
@Component(service = RpcHandler.class, property = {RpcHandler.METHOD + "=medusa.bench", ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE})
public final class MedusaBench implements RpcHandler {

    static final String PREFIX = "bench:";
    private static final int MAX_CLIENTS = 1024;

    private final Medusa medusa;
    private final Clock clock;
    private final LocalNode node;
    private volatile boolean stopped;

    @Activate
    public MedusaBench(@Reference Medusa medusa, @Reference(name = "clock") Clock clock, @Reference LocalNode node) {
        this.medusa = medusa;
        this.clock = clock;
        this.node = node;
    }

    /** A run in progress stops after its current operations (each bounded by Medusa's operation deadline). */
    @Deactivate
    void deactivate() {
        stopped = true;
    }

    /**
     * What one client did: each operation's latency (and the compareAndSet step's, for cas), whether this
     * node led the key's shard when the run started, errors and conflicts.
     */
    private static final class Client {
        final long[] latency;
        final long[] casStep;
        final boolean[] local;
        int done;
        int errors;
        int conflicts;
        String firstError;

        Client(int ops, boolean cas) {
            latency = new long[ops];
            casStep = cas ? new long[ops] : new long[0];
            local = new boolean[ops];
        }

        void failed(Exception e) {
            errors++;
            if (firstError == null) {
                firstError = e.toString();
            }
        }
    }

    @Override
    public byte[] handle(RpcCall call) throws Exception {
        JsonNode body;
        try {
            body = TickerRole.JSON.readTree(call.body().length == 0 ? "{}".getBytes() : call.body());
        } catch (JsonProcessingException e) {
            throw CairnException.invalid("medusa.bench needs a JSON object body: " + e.getOriginalMessage());
        }
        String op = body.path("op").asText("put");
        if (!List.of("put", "get", "cas").contains(op)) {
            throw CairnException.invalid("medusa.bench: op '" + op + "' is unknown; use put, get or cas");
        }
        int clients = body.path("clients").asInt(1);
        int ops = body.path("ops").asInt(1000);
        int valueBytes = body.path("valueBytes").asInt(100);
        int keyCount = body.path("keys").asInt(1024);
        if (clients < 1 || clients > MAX_CLIENTS || ops < clients || valueBytes < 0 || valueBytes > Medusa.MAX_VALUE_BYTES || keyCount < 1) {
            throw CairnException.invalid("medusa.bench needs 1 <= clients <= " + MAX_CLIENTS + ", ops >= clients, 0 <= valueBytes <= "
                    + Medusa.MAX_VALUE_BYTES + " and keys >= 1; got clients " + clients + ", ops " + ops + ", valueBytes "
                    + valueBytes + ", keys " + keyCount);
        }
        boolean cas = op.equals("cas");
        if (cas) {
            keyCount = Math.max(keyCount, clients); // every client owns at least one key
        }
        List<ShardStatus> status = medusa.shards();
        int shards = status.size();
        List<String> keys = spread(keyCount, shards);
        boolean[] ledHere = new boolean[shards];
        int localLeaders = 0;
        for (ShardStatus s : status) {
            if (node.identity().uuid().equals(s.leader()) && s.shard() >= 0 && s.shard() < shards) {
                ledHere[s.shard()] = true;
                localLeaders++;
            }
        }
        byte[] value = new byte[valueBytes];
        ThreadLocalRandom.current().nextBytes(value);
        long stopAt = System.nanoTime() + Duration.between(clock.now(), call.deadline()).toNanos(); // the caller stops waiting then

        if (!op.equals("put")) {
            AtomicInteger next = new AtomicInteger();
            List<String> failures = new ArrayList<>();
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int c = 0; c < clients; c++) {
                    threads.execute(() -> {
                        for (int i = next.getAndIncrement(); i < keys.size() && !stopped; i = next.getAndIncrement()) {
                            try {
                                if (medusa.get(keys.get(i)).isEmpty()) { // a get is cheaper than a put: earlier runs wrote most keys
                                    medusa.put(keys.get(i), value);
                                }
                            } catch (MedusaException e) {
                                synchronized (failures) {
                                    failures.add(e.getMessage());
                                }
                                return;
                            }
                        }
                    });
                }
            }
            if (!failures.isEmpty()) {
                throw new CairnException(ErrorCode.UNAVAILABLE,
                        "medusa.bench could not write its " + keys.size() + " keys first: " + failures.getFirst());
            }
        }

        Client[] results = new Client[clients];
        long start = System.nanoTime();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients; c++) {
                int id = c;
                int mine = ops / clients + (c < ops % clients ? 1 : 0);
                Client r = new Client(mine, cas);
                results[c] = r;
                threads.execute(() -> run(op, id, clients, keys, ledHere, value, r, stopAt));
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;

        int done = 0;
        int errors = 0;
        int conflicts = 0;
        String firstError = null;
        for (Client r : results) {
            done += r.done;
            errors += r.errors;
            conflicts += r.conflicts;
            firstError = firstError == null ? r.firstError : firstError;
        }
        long[] all = new long[done];
        long[] steps = new long[cas ? done : 0];
        List<Long> local = new ArrayList<>();
        List<Long> remote = new ArrayList<>();
        int at = 0;
        for (Client r : results) {
            System.arraycopy(r.latency, 0, all, at, r.done);
            if (cas) {
                System.arraycopy(r.casStep, 0, steps, at, r.done);
            }
            for (int i = 0; i < r.done; i++) {
                (r.local[i] ? local : remote).add(r.latency[i]);
            }
            at += r.done;
        }
        int ok = done - errors - conflicts;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("op", op);
        out.put("clients", clients);
        out.put("ops", done);
        out.put("seconds", seconds);
        out.put("opsPerSec", ok / seconds);
        out.put("p50us", percentileMicros(all, 0.50));
        out.put("p99us", percentileMicros(all, 0.99));
        out.put("errors", errors);
        out.put("conflicts", conflicts);
        if (cas) {
            out.put("casStepP50us", percentileMicros(steps, 0.50));
            out.put("casStepP99us", percentileMicros(steps, 0.99));
        }
        // the shard's leader on this node: no client->leader hop
        out.put("localLeaderOps", local.size());
        out.put("localLeaderP50us", percentileMicros(local.stream().mapToLong(Long::longValue).toArray(), 0.50));
        out.put("remoteLeaderP50us", percentileMicros(remote.stream().mapToLong(Long::longValue).toArray(), 0.50));
        out.put("keys", keys.size());
        out.put("shards", shards);
        out.put("shardsLedHere", localLeaders);
        out.put("valueBytes", valueBytes);
        if (firstError != null) {
            out.put("firstError", firstError);
        }
        return TickerRole.JSON.writeValueAsBytes(out);
    }

    /**
     * One client: its share of the operations, cycling over keys {@code id, id + clients, ...} (its own: for cas
     * there are at least as many keys as clients; put and get with fewer keys than clients share them).
     */
    private void run(String op, int id, int clients, List<String> keys, boolean[] ledHere, byte[] value, Client r, long stopAt) {
        List<String> own = new ArrayList<>();
        for (int k = id % keys.size(); k < keys.size(); k += clients) {
            own.add(keys.get(k));
        }
        int n = 0;
        for (int i = 0; i < r.latency.length; i++) {
            if (stopped || Thread.currentThread().isInterrupted() || System.nanoTime() - stopAt > 0) {
                break;
            }
            String key = own.get(n);
            n = n + 1 == own.size() ? 0 : n + 1;
            r.local[i] = ledHere[Math.floorMod(medusa.shardOf(key), ledHere.length)];
            long t0 = System.nanoTime();
            try {
                switch (op) {
                    case "put" -> medusa.put(key, value);
                    case "get" -> {
                        if (medusa.get(key).isEmpty()) {
                            throw new IllegalStateException("key " + key + " was written but reads as absent");
                        }
                    }
                    default -> {
                        Optional<Entry> cur = medusa.get(key);
                        long t1 = System.nanoTime();
                        try {
                            medusa.compareAndSet(key, cur.map(Entry::version).orElse(Medusa.ABSENT), value);
                        } finally {
                            r.casStep[i] = System.nanoTime() - t1;
                        }
                    }
                }
            } catch (MedusaException e) {
                if (e.reason() == MedusaException.Reason.VERSION_CONFLICT) {
                    r.conflicts++;
                } else {
                    r.failed(e);
                }
            } catch (RuntimeException e) {
                r.failed(e);
            }
            r.latency[i] = System.nanoTime() - t0;
            r.done++;
        }
    }

    /** {@code count} keys, as evenly over the {@code shards} shards as the ring allows (round-robin by shard). */
    private List<String> spread(int count, int shards) {
        if (shards <= 0) {
            throw new CairnException(ErrorCode.UNAVAILABLE, "medusa.bench: Medusa has no shards yet; "
                    + "wait until 'cairn rpc medusa.status' shows them available");
        }
        List<List<String>> byShard = new ArrayList<>();
        for (int s = 0; s < shards; s++) {
            byShard.add(new ArrayList<>());
        }
        int perShard = (count + shards - 1) / shards;
        int found = 0;
        for (long n = 0; found < perShard * shards && n < 1000L * perShard * shards; n++) {
            String key = PREFIX + n;
            List<String> bucket = byShard.get(Math.floorMod(medusa.shardOf(key), shards));
            if (bucket.size() < perShard) {
                bucket.add(key);
                found++;
            }
        }
        List<String> keys = new ArrayList<>(count);
        for (int i = 0; keys.size() < count; i++) { // round-robin: keys i, i+1, ... lie on different shards
            List<String> bucket = byShard.get(i % shards);
            int index = i / shards;
            if (index < bucket.size()) {
                keys.add(bucket.get(index));
            } else if (index >= perShard) {
                break;
            }
        }
        return keys;
    }

    static long percentileMicros(long[] nanos, double p) {
        if (nanos.length == 0) {
            return 0;
        }
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) (sorted.length * p))] / 1000;
    }
}
