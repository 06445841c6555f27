package io.cairn.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.cluster.rpc.Credentials;
import io.cairn.cluster.rpc.Rpc;
import io.cairn.cluster.rpc.RpcClient;

/**
 * Medusa throughput and latency against the physical floor measured in the same run: a local
 * RocksDB doing synchronous puts (WAL append + fdatasync) of the same value size, in a directory on
 * the file system of the node homes.
 *
 * <p>The Medusa rows come from the debug image's {@code medusa.bench} method, which runs the
 * operations inside the controller against the in-process {@code Medusa} service (what storage code
 * calls), so the one mutual-TLS call per row carries no per-operation cost. Ratios are each row's
 * p50 over the 1-thread RocksDB sync-put p50.
 *
 * <p>Usage: {@code MedusaBench ADMIN_DIR NODE_IP FLOOR_DIR OPS VALUE_BYTES KEYS}
 */
public final class MedusaBench {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int WARMUP = 200;

    private MedusaBench() {
    }

    /** One table row. */
    record Row(String name, double opsPerSec, double p50us, double p99us, String note) {
        Row named(String n) {
            return new Row(n, opsPerSec, p50us, p99us, note);
        }
    }

    public static void main(String[] args) throws Exception {
        Path admin = Path.of(args[0]);
        String node = args[1];
        Path floorDir = Path.of(args[2]);
        int ops = Integer.parseInt(args[3]);
        int valueBytes = Integer.parseInt(args[4]);
        int keys = Integer.parseInt(args[5]);
        byte[] value = new byte[valueBytes];
        ThreadLocalRandom.current().nextBytes(value);

        List<Row> rows = new ArrayList<>();
        RocksDB.loadLibrary();
        Files.createDirectories(floorDir);
        Row floor;
        try (Options o = new Options().setCreateIfMissing(true); RocksDB db = RocksDB.open(o, floorDir.toString());
                WriteOptions sync = new WriteOptions().setSync(true)) {
            syncPuts(db, sync, 1, WARMUP, keys, value);
            floor = syncPuts(db, sync, 1, ops, keys, value).named("RocksDB sync put, 1 thread (floor)");
            rows.add(floor);
            rows.add(syncPuts(db, sync, 32, ops, keys, value).named("RocksDB sync put, 32 threads"));
        }

        try (RpcClient client = Rpc.client(Credentials.load(admin))) {
            for (String op : List.of("put", "get", "cas")) { // warm-up: JIT, connections, keys written
                bench(client, node, op, 32, Math.min(ops, 300), valueBytes, keys);
            }
            for (String op : List.of("put", "get", "cas")) {
                for (int clients : new int[] {1, 32}) {
                    JsonNode r = bench(client, node, op, clients, ops, valueBytes, keys);
                    String what = switch (op) {
                        case "put" -> "Medusa put";
                        case "get" -> "Medusa get (linearizable)";
                        default -> "Medusa cas (get + compareAndSet)";
                    };
                    String note = "local-leader p50 " + r.get("localLeaderP50us").asLong() + " µs ("
                            + r.get("localLeaderOps").asLong() + " of " + r.get("ops").asLong() + " ops), remote-leader p50 "
                            + r.get("remoteLeaderP50us").asLong() + " µs";
                    if (op.equals("cas")) {
                        note += "; compareAndSet step p50 " + r.get("casStepP50us").asLong() + " µs, p99 " + r.get("casStepP99us").asLong() + " µs";
                    }
                    if (r.get("errors").asLong() > 0 || r.get("conflicts").asLong() > 0) {
                        note += "; errors " + r.get("errors").asLong() + ", conflicts " + r.get("conflicts").asLong()
                                + (r.has("firstError") ? " (" + r.get("firstError").asText() + ")" : "");
                    }
                    rows.add(new Row(what + ", " + clients + (clients == 1 ? " client" : " clients"), r.get("opsPerSec").asDouble(),
                            r.get("p50us").asDouble(), r.get("p99us").asDouble(), note));
                    if (op.equals("put") && clients == 1) {
                        System.err.printf("medusa.bench on %s: %d shards, %d led by this node%n", node, r.get("shards").asInt(),
                                r.get("shardsLedHere").asInt());
                    }
                }
            }
        }

        // the shared virtual disk drifts between minutes: measure the floor again after the Medusa rows
        try (Options o = new Options().setCreateIfMissing(true); RocksDB db = RocksDB.open(o, floorDir.toString());
                WriteOptions sync = new WriteOptions().setSync(true)) {
            rows.add(syncPuts(db, sync, 1, ops, keys, value).named("RocksDB sync put, 1 thread (floor, again after Medusa)"));
        }

        System.out.println("| Row | ops/s | p50 µs | p99 µs | p50 / floor p50 |");
        System.out.println("|---|---|---|---|---|");
        for (Row r : rows) {
            System.out.printf("| %s | %.0f | %.0f | %.0f | %.2f× |%n", r.name(), r.opsPerSec(), r.p50us(), r.p99us(), r.p50us() / floor.p50us());
        }
        System.out.println();
        System.out.printf("%d operations per row, %d-byte values, %d keys spread over the shards.%n", ops, valueBytes, keys);
        for (Row r : rows) {
            if (!r.note().isEmpty()) {
                System.out.println("- " + r.name() + ": " + r.note());
            }
        }
    }

    private static JsonNode bench(RpcClient c, String node, String op, int clients, int ops, int valueBytes, int keys) throws Exception {
        String body = "{\"op\":\"" + op + "\",\"clients\":" + clients + ",\"ops\":" + ops + ",\"valueBytes\":" + valueBytes
                + ",\"keys\":" + keys + "}";
        return JSON.readTree(c.call(node, "medusa.bench", body.getBytes(StandardCharsets.UTF_8), Duration.ofMinutes(30)));
    }

    /**
     * {@code ops} synchronous puts split over {@code threads} platform threads (a JNI call pins a
     * virtual thread's carrier, so virtual threads would not overlap on 2 cores), cycling over {@code keys} keys.
     */
    private static Row syncPuts(RocksDB db, WriteOptions sync, int threads, int ops, int keys, byte[] value) throws Exception {
        long[][] latency = new long[threads][];
        Exception[] failure = new Exception[1];
        List<Thread> running = new ArrayList<>();
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            int id = t;
            int mine = ops / threads + (t < ops % threads ? 1 : 0);
            latency[t] = new long[mine];
            running.add(Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < mine; i++) {
                        byte[] key = ("bench:" + ((id + (long) i * threads) % keys)).getBytes(StandardCharsets.UTF_8);
                        long t0 = System.nanoTime();
                        db.put(sync, key, value);
                        latency[id][i] = System.nanoTime() - t0;
                    }
                } catch (RocksDBException e) {
                    synchronized (failure) {
                        failure[0] = e;
                    }
                }
            }));
        }
        for (Thread t : running) {
            t.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (failure[0] != null) {
            throw failure[0];
        }
        long[] all = Arrays.stream(latency).flatMapToLong(Arrays::stream).sorted().toArray();
        return new Row("", ops / seconds, all[all.length / 2] / 1e3, all[Math.min(all.length - 1, (int) (all.length * 0.99))] / 1e3, "");
    }
}
