package io.cairn.system.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cairn.cluster.rpc.Credentials;
import io.cairn.cluster.rpc.Rpc;
import io.cairn.cluster.rpc.RpcClient;

/**
 * N real controller processes from the debug image on loopback (node i on {@code PREFIX.(base+i)}),
 * formed into a cluster with {@code cairn cluster create}. {@link #close()} stops every node,
 * killing any that does not stop.
 */
final class LoopbackCluster implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration START = Duration.ofSeconds(150);

    final Path dir;
    final List<String> ips = new ArrayList<>();
    final Path admin;
    private RpcClient client;
    /** Sizes of the simulated data disks every node gets on its first start ({@code --sim-disk}); none by default. */
    private List<String> simDisks = List.of();

    LoopbackCluster(Path dir, String prefix, int base, int nodes) {
        this.dir = dir;
        for (int i = 1; i <= nodes; i++) {
            ips.add(prefix + "." + (base + i));
        }
        this.admin = dir.resolve("admin");
    }

    /**
     * Nodes started from now on get simulated data disks (hal.sim; sizes such as {@code "1G"} or
     * {@code "1G:HDD"}) instead of Stargate's default directory disk: {@code d0, d1, ...}, HAL devices
     * {@link #simDevice}. Only a node's first start uses them.
     */
    LoopbackCluster withSimDisks(String... sizes) {
        this.simDisks = List.of(sizes);
        return this;
    }

    /** The HAL device id of node {@code i}'s simulated disk {@code d<disk>} (see {@code cairn node start --sim-disk}). */
    String simDevice(int i, int disk) {
        return home(i).getFileName() + "-d" + disk;
    }

    /** Injects a fault into a simulated disk of node {@code node}: {@code fault} as in {@code hal.faults.inject}, e.g. {@code Map.of("fault", "eio", "op", "read")}. */
    JsonNode injectFault(int node, String device, java.util.Map<String, ?> fault) throws IOException {
        java.util.Map<String, Object> body = new java.util.LinkedHashMap<>(fault);
        body.put("device", device);
        return call(node, "hal.faults.inject", body);
    }

    /** Clears every fault of a simulated disk of node {@code node} ({@code "*"}: of all its disks). */
    JsonNode clearFaults(int node, String device) throws IOException {
        return call(node, "hal.faults.clear", java.util.Map.of("device", device));
    }

    /** Node {@code node}'s simulated disks and their active faults ({@code hal.faults.list}). */
    JsonNode faults(int node) throws IOException {
        return call(node, "hal.faults.list", java.util.Map.of());
    }

    /** Node {@code i}'s address. */
    String ip(int i) {
        return ips.get(i);
    }

    Path home(int i) {
        return dir.resolve("n" + (i + 1));
    }

    static Path debugImage() {
        return Proc.ROOT.resolve("appliance-image/target/cairn-appliance-debug-" + System.getProperty("cairn.version") + ".tar.gz");
    }

    /** Starts every node in parallel (factory state). */
    void startAll() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(ips.size());
        try {
            List<Future<Proc>> starts = new ArrayList<>();
            for (int i = 0; i < ips.size(); i++) {
                int n = i;
                starts.add(pool.submit(() -> startNode(n)));
            }
            for (Future<Proc> f : starts) {
                Proc p = f.get();
                assertThat(p.exitCode()).as(p.output()).isZero();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    Proc startNode(int i) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("node", "start", "--home", home(i).toString(), "--ip", ips.get(i), "--image",
                debugImage().toString()));
        for (String size : simDisks) {
            args.addAll(List.of("--sim-disk", size));
        }
        Proc p = Proc.cairn(START, args.toArray(String[]::new));
        if (p.exitCode() != 0) {
            dumpThreads(i, "node start failed");
        }
        return p;
    }

    /**
     * Appends a thread dump of node {@code i}'s controller (when it runs) to its controller log, which
     * {@link #keepLogs} copies into the report: a node that does not get ready shows where it waits.
     */
    void dumpThreads(int i, String why) {
        try {
            Path pidFile = home(i).resolve("run/node.pid");
            if (!Files.isRegularFile(pidFile)) {
                return;
            }
            String pid = Files.readString(pidFile).strip();
            Proc dump = Proc.run(Duration.ofSeconds(30), home(i), java.util.Map.of(),
                    List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), pid, "Thread.print"));
            Files.writeString(home(i).resolve("logs/controller.log"), "\n=== thread dump of pid " + pid + " by the test harness (" + why
                    + ") ===\n" + dump.output() + "\n", java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException | RuntimeException e) {
            System.out.println("could not dump node " + (i + 1) + "'s threads: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    Proc create(String... extra) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("cluster", "create", "--nodes", String.join(",", ips), "--admin",
                admin.toString(), "--name", "t" + ips.size()));
        args.addAll(List.of(extra));
        return Proc.cairn(Duration.ofSeconds(200), args.toArray(String[]::new));
    }

    /** {@code cairn cluster create} over the first {@code count} nodes only (the others can join later). */
    Proc createWith(int count, String... extra) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("cluster", "create", "--nodes", String.join(",", ips.subList(0, count)), "--admin",
                admin.toString(), "--name", "t" + count));
        args.addAll(List.of(extra));
        return Proc.cairn(Duration.ofSeconds(200), args.toArray(String[]::new));
    }

    /** Starts node {@code i} in factory state and adds it with {@code cairn cluster add-node} through node {@code via}. */
    Proc addNode(int i, int via) throws IOException, InterruptedException {
        Proc start = startNode(i);
        assertThat(start.exitCode()).as(start.output()).isZero();
        return Proc.cairn(Duration.ofSeconds(200), "cluster", "add-node", "--nodes", ips.get(i), "--node", ips.get(via), "--admin",
                admin.toString());
    }

    long pid(int i) throws IOException {
        return Long.parseLong(Files.readString(home(i).resolve("run/node.pid")).trim());
    }

    void kill9(int i) throws Exception {
        long pid = pid(i);
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        waitFor(Duration.ofSeconds(20), () -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true), "pid " + pid + " gone");
        Files.deleteIfExists(home(i).resolve("run/ready"));
    }

    void signal(int i, String sig) throws Exception {
        Proc p = Proc.run(Duration.ofSeconds(10), dir, java.util.Map.of(), List.of("kill", "-" + sig, Long.toString(pid(i))));
        assertThat(p.exitCode()).as(p.output()).isZero();
    }

    int indexOf(String ip) {
        int i = ips.indexOf(ip);
        assertThat(i).as("node " + ip + " belongs to this cluster").isNotNegative();
        return i;
    }

    synchronized RpcClient client() {
        if (client == null) {
            client = Rpc.client(Credentials.load(admin));
        }
        return client;
    }

    JsonNode call(int node, String method, Object body) throws IOException {
        byte[] reply = client().call(ips.get(node), method, JSON.writeValueAsBytes(body), Duration.ofSeconds(20));
        return JSON.readTree(reply);
    }

    /** {@code cluster status} as JSON from the first node in {@code from} that answers. */
    JsonNode status(int... from) {
        RuntimeException last = null;
        for (int n : from) {
            try {
                return call(n, "cluster.status", java.util.Map.of());
            } catch (RuntimeException | IOException e) {
                last = e instanceof RuntimeException r ? r : new RuntimeException(e);
            }
        }
        throw last == null ? new IllegalStateException("no node asked") : last;
    }

    static void waitFor(Duration timeout, BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException e) {
                // not yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
    }

    /** Copies every node's controller log to {@code target/DIRECTORY} for the report (the node homes are deleted later). */
    void keepLogs(String directory) {
        try {
            Path logs = Files.createDirectories(Path.of("target", directory));
            for (int i = 0; i < ips.size(); i++) {
                Path log = home(i).resolve("logs/controller.log");
                if (Files.exists(log)) {
                    Files.copy(log, logs.resolve("n" + (i + 1) + ".log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            System.out.println("could not keep the node logs: " + e);
        }
    }

    /** Waits until node 0 reports all 16 Medusa shards with a leader. */
    void medusaAvailable(Duration timeout) throws InterruptedException {
        waitFor(timeout, () -> {
            try {
                return call(0, "medusa.status", java.util.Map.of()).get("available").asInt() == 16;
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }, "16 Medusa shards with a leader");
    }

    /** Forms the cluster from the running nodes ({@link #create}) and waits until Medusa serves every shard: a storage test's set-up. */
    void createWithMedusa() throws Exception {
        Proc create = create();
        assertThat(create.exitCode()).as(create.output()).isZero();
        medusaAvailable(Duration.ofSeconds(150));
    }

    /** A vDisk's URI on node {@code node}'s NBD Unix socket for local clients (no TLS; the test runs as the nodes' user). */
    String nbdUnix(int node, String export) {
        return "nbd+unix:///" + export + "?socket=" + home(node).resolve("run/nbd.sock");
    }

    /** fio's nbd engine against a vDisk through node {@code node}'s Unix socket, run in {@code dir}. */
    Proc fio(int node, String export, Path dir, Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("fio", "--name=job", "--ioengine=nbd", "--uri=" + nbdUnix(node, export)));
        cmd.addAll(List.of(args));
        return Proc.run(timeout, dir, java.util.Map.of(), cmd);
    }

    /** {@code cairn ncli WORDS} against node {@code node} with the admin credential. */
    /** Waits until every node's home holds {@code relative} (e.g. {@code data/pki/crl.pem}). */
    void awaitOnEveryNode(String relative, Duration timeout, String what) throws InterruptedException {
        waitFor(timeout, () -> {
            for (int i = 0; i < ips.size(); i++) {
                if (!Files.exists(home(i).resolve(relative))) {
                    return false;
                }
            }
            return true;
        }, what);
    }

    /** {@code bin/TOOL ARGS} (the REST CLIs: ncli, acli, cairn-audit, ...) run in {@code work} with this cluster's admin directory. */
    Proc bin(Path work, String tool, java.util.Map<String, String> env, String... args) throws IOException, InterruptedException {
        java.util.Map<String, String> e = new java.util.HashMap<>(env);
        e.put("CAIRN_ADMIN", admin.toString());
        List<String> cmd = new ArrayList<>(List.of(Proc.ROOT.resolve("bin/" + tool).toString()));
        cmd.addAll(List.of(args));
        return Proc.run(Duration.ofSeconds(90), work, e, cmd);
    }

    Proc ncli(int node, String... words) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("ncli"));
        args.addAll(List.of(words));
        return cli(node, args.toArray(String[]::new));
    }

    /** {@code cairn WORDS} (any administration command: ncli, curator_cli, medusa ...) against node {@code node} with the admin credential. */
    Proc cli(int node, String... words) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of(words));
        args.addAll(List.of("--node", ips.get(node), "--admin", admin.toString()));
        return Proc.cairn(Duration.ofSeconds(60), args.toArray(String[]::new));
    }

    /** Stops every node, keeps their logs in {@code target/LOGS} and deletes the cluster directory: a test's clean-up. */
    void closeKeepingLogs(String logs) {
        close();
        keepLogs(logs);
        deleteFiles();
    }

    /** Deletes the cluster directory (node homes, admin credentials) after {@link #close()}. */
    void deleteFiles() {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: it is under the temporary directory
        }
    }

    /**
     * Stops every node, all at once, killing any that does not stop. One after the other took half a
     * minute for three nodes and over a minute for five: the last nodes of a cluster wait for their
     * Zookeeper/Ratis peers' time-outs while stopping, and each stop waited for the process to exit.
     */
    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
        List<Thread> stops = new ArrayList<>();
        for (int i = 0; i < ips.size(); i++) {
            int n = i;
            stops.add(Thread.ofPlatform().name("stop-n" + (n + 1)).start(() -> stopNode(n)));
        }
        for (Thread t : stops) {
            try {
                t.join(Duration.ofSeconds(90)); // each stop is bounded: node stop kills after 40 s, Proc gives up after 60 s
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
    }

    private void stopNode(int i) {
        try {
            if (Files.exists(home(i).resolve("run/node.pid"))) {
                try {
                    signal(i, "CONT");
                } catch (Throwable ignored) {
                    // not stopped
                }
            }
            Proc.cairn(Duration.ofSeconds(60), "node", "stop", "--home", home(i).toString());
        } catch (Throwable e) {
            // fall through to the kill below
        }
        try {
            long pid = pid(i);
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        } catch (Throwable ignored) {
            // no pid file: stopped
        }
        try { // the node's host-side iSCSI redirector (node stop stops it too)
            long pid = Long.parseLong(Files.readString(home(i).resolve("run/iscsi_redirector.pid")).trim());
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        } catch (Throwable ignored) {
            // no pid file: stopped
        }
    }
}
