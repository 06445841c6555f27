package io.cairn.foundation;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

import io.cairn.cluster.rpc.Rpc;
import io.cairn.cluster.rpc.RpcClient;
import io.cairn.common.clock.Clock;
import io.cairn.foundation.ClusterPlan.NodePlan;
import io.cairn.foundation.disks.NodeDisks;
import io.cairn.hal.api.bmc.Bmc;
import io.cairn.hal.api.bmc.BmcException;
import io.cairn.hal.api.bmc.PowerState;
import io.cairn.image.ImageInstaller;
import io.cairn.image.ImageMetadata;
import io.cairn.image.ImageVerifier;
import io.cairn.image.SigningKeys;

/**
 * Images nodes and creates the cluster (spec 10 §5): validation; then, for every node in parallel,
 * power off through its BMC, write the signed image into slot A, write identity and addresses,
 * power on through the BMC and wait for the node to check in (it answers {@code genesis.hello} in
 * factory state); then cluster creation (the {@code cairn cluster create} of io.cairn.cli: cluster
 * CA, certificates, Zookeeper ensemble, Medusa shards, the generated admin password), the default
 * container and the cluster virtual IP. A node that fails fails only its own part; no cluster is
 * created until every node checked in. Running again resumes: a node whose active slot already
 * holds the image and whose addresses are unchanged is not imaged again, a creation interrupted
 * between joins is finished (same cluster), and a finished cluster is only powered on.
 */
public final class Foundation {

    /** The steps of one node, in order. */
    public enum Phase {
        WAITING("waiting"), POWER_OFF("powering off (BMC)"), WRITE_IMAGE("writing the image into slot A"),
        PARTITION("partitioning the disks (device layout)"),
        WRITE_IDENTITY("writing identity and addresses"), POWER_ON("powering on (BMC)"), CHECK_IN("waiting for check-in"),
        READY("checked in"), FAILED("failed");

        private final String label;

        Phase(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** Where one node is; {@code millis} per finished phase. */
    public record NodeStatus(int index, String serial, String ip, Phase phase, String message, String uuid,
            Map<Phase, Long> millis) {
    }

    /** Progress callbacks; called from several threads. */
    public interface Listener {
        void node(NodeStatus status);

        void cluster(String line);

        /** The generated admin password, reported once, as soon as the cluster exists (a later step may still fail). */
        default void password(String password) {
        }
    }

    /** The result of a run. */
    public record Outcome(boolean created, String prismUrl, String adminPassword, Path admin, List<NodeStatus> nodes,
            Map<String, Long> clusterMillis, String faultTolerance) {
    }

    public static final Duration CHECK_IN_TIMEOUT = Duration.ofSeconds(180);
    /** How long a new cluster may take until its storage and Prism answer. */
    public static final Duration SETTLE = Duration.ofSeconds(180);
    public static final String DEFAULT_CONTAINER = "default-container";

    private final Clock clock;
    private final NodeHome.BmcAccess ipmi;
    private final Listener listener;
    private final Validator validator;

    public Foundation(Clock clock, NodeHome.BmcAccess ipmi, NetworkProbe probe, Listener listener) {
        this.clock = clock;
        this.ipmi = ipmi;
        this.listener = listener;
        this.validator = new Validator(probe);
    }

    public Outcome run(ClusterPlan plan) {
        List<NodeHome> homes = new ArrayList<>();
        for (NodePlan n : plan.nodes()) {
            homes.add(Files.isDirectory(n.home()) ? NodeHome.open(n.home()) : null);
        }
        boolean credentials = Files.isRegularFile(plan.admin().resolve("cert.pem"));
        if (Files.isRegularFile(plan.admin().resolve(PENDING_CREATION))) {
            return finishCreation(plan, homes);
        }
        if (homes.stream().allMatch(h -> h != null && h.clusterName().map(plan.name()::equals).orElse(false)) && credentials) {
            return resume(plan, homes);
        }
        java.util.Set<Path> members = new java.util.HashSet<>();
        for (NodeHome h : homes) {
            if (h != null && h.clusterName().map(plan.name()::equals).orElse(false)) {
                members.add(h.home());
            }
        }
        if (!members.isEmpty() && credentials) {
            return expand(plan, members);
        }
        Validator.Result v = validator.validate(plan);
        if (!v.ok()) {
            throw new ClusterPlan.Invalid(v.problems());
        }
        if (Files.exists(plan.admin().resolve("cert.pem")) || Files.exists(plan.admin().resolve("ca.key.pem"))) {
            throw new FoundationException("admin directory " + plan.admin() + " already holds a cluster's credentials, but the nodes "
                    + "are not all in a cluster; choose a new admin directory (the old one belongs to another cluster)");
        }
        List<NodeStatus> statuses = imageAll(plan, plan.nodes(), v.image());
        failIfAny(statuses, "nodes", "no cluster was created. Fix the node and run again (nodes already imaged are not imaged again), "
                + "or drop it from the form");
        return create(plan, statuses, false);
    }

    /**
     * Cluster expansion (spec 10 §6): the form names the cluster's nodes and new ones; the new ones
     * are imaged in parallel as for a creation, then joined with {@code cairn cluster add-node} (one
     * Zeus configuration change for all of them; Medusa and Zookeeper rebalance by themselves).
     */
    private Outcome expand(ClusterPlan plan, java.util.Set<Path> members) {
        List<NodePlan> fresh = plan.nodes().stream().filter(n -> !members.contains(n.home())).toList();
        NodePlan via = plan.nodes().stream().filter(n -> members.contains(n.home())).findFirst().orElseThrow();
        listener.cluster("expanding cluster " + plan.name() + " (" + members.size() + " nodes) by " + fresh.size() + " node(s)");
        Validator.Result v = validator.validate(plan, members);
        if (!v.ok()) {
            throw new ClusterPlan.Invalid(v.problems());
        }
        clusterVersion(plan, members, fresh, v.image());
        List<NodeStatus> statuses = imageAll(plan, fresh, v.image());
        failIfAny(statuses, "new nodes", "none was added. Fix the node and run again, or drop it from the form");
        Map<String, Long> millis = new LinkedHashMap<>();
        StringBuilder blocks = new StringBuilder();
        for (NodePlan n : fresh) {
            blocks.append(blocks.isEmpty() ? "" : ",").append(n.cvmIp()).append('=').append(NodeHome.open(n.home()).block());
        }
        long t0 = clock.nanoTime();
        cliVia(plan, via.cvmIp(), true, "cluster", "add-node", "--nodes", String.join(",", fresh.stream().map(NodePlan::cvmIp).toList()),
                "--blocks", blocks.toString(), "--timeout", Long.toString(SETTLE.toSeconds()));
        millis.put("add-node", (clock.nanoTime() - t0) / 1_000_000);
        listener.cluster("cluster " + plan.name() + " expanded to " + plan.nodes().size() + " nodes");
        String health = finish(plan, millis);
        return new Outcome(false, prism(plan), null, plan.admin(), statuses, millis, health);
    }

    /**
     * {@code <admin>/creating.json}, written by {@code cairn cluster create} (io.cairn.cli) before its first
     * join and deleted once the creation is finished: while it exists, a creation was interrupted.
     */
    static final String PENDING_CREATION = "creating.json";

    /**
     * A creation that was interrupted (killed between two joins, or before the cluster came up): the
     * nodes that joined are only powered on, the others are imaged as for a creation (an image already
     * in place is kept), then {@code cairn cluster create} runs again with the same admin directory,
     * which finishes the recorded creation (same cluster, same CA) rather than starting another.
     */
    private Outcome finishCreation(ClusterPlan plan, List<NodeHome> homes) {
        java.util.Set<Path> members = new java.util.HashSet<>();
        for (NodeHome h : homes) {
            if (h != null && h.state() == NodeHome.State.CONFIGURED) {
                if (!h.clusterName().map(plan.name()::equals).orElse(false)) {
                    throw new FoundationException("node " + h.home() + " is in cluster '" + h.clusterName().orElse("?") + "', not "
                            + plan.name() + " whose creation " + plan.admin().resolve(PENDING_CREATION) + " records");
                }
                members.add(h.home());
            }
        }
        listener.cluster("the creation of cluster " + plan.name() + " was interrupted (" + members.size() + " of " + plan.nodes().size()
                + " nodes joined); finishing it");
        Validator.Result v = validator.validate(plan, members);
        if (!v.ok()) {
            throw new ClusterPlan.Invalid(v.problems());
        }
        List<NodePlan> fresh = plan.nodes().stream().filter(n -> !members.contains(n.home())).toList();
        List<NodeStatus> imaged = imageAll(plan, fresh, v.image());
        failIfAny(imaged, "nodes still to join", "the cluster is not finished. Fix the node and run again");
        List<Integer> memberIdx = new ArrayList<>();
        for (int i = 0; i < plan.nodes().size(); i++) {
            if (members.contains(plan.nodes().get(i).home())) {
                memberIdx.add(i);
            }
        }
        List<NodeStatus> on = powerOn(plan, homes, memberIdx, "joined before");
        List<NodeStatus> all = new ArrayList<>(on);
        all.addAll(imaged);
        all.sort(Comparator.comparingInt(NodeStatus::index));
        return create(plan, all, true);
    }

    /**
     * Spec 10 §6: a node joins on the cluster's version. The form's image must be the version the
     * cluster runs (read from a member's active slot), else nothing is imaged; a new node on another
     * version (an older factory image, say) is then re-imaged with it like any node whose slot does not
     * hold the form's image, and says so.
     */
    private void clusterVersion(ClusterPlan plan, java.util.Set<Path> members, List<NodePlan> fresh, ImageMetadata image) {
        if (image == null) { // skip_imaging: cairn cluster add-node refuses a node on another version
            return;
        }
        String running = null;
        Path member = null;
        for (Path m : members) {
            java.util.Optional<String> installed = NodeHome.open(m).installedVersion();
            if (installed.isPresent()) {
                running = installed.get().split(" ")[1];
                member = m;
                break;
            }
        }
        if (running != null && !running.equals(image.version())) {
            throw new FoundationException("cluster " + plan.name() + " runs version " + running + " (" + member + ") and the form's image "
                    + plan.image() + " is version " + image.version() + "; new nodes join on the cluster's version: give the image of "
                    + running + " (or upgrade the cluster first)");
        }
        for (NodePlan n : fresh) {
            if (!Files.isDirectory(n.home())) {
                continue;
            }
            java.util.Optional<String> installed = NodeHome.open(n.home()).installedVersion();
            if (installed.isPresent() && !installed.get().split(" ")[1].equals(image.version())) {
                listener.cluster("node " + n.index() + " (" + n.cvmIp() + ") has version " + installed.get().split(" ")[1]
                        + "; it is re-imaged with the cluster's version " + image.version() + " before it joins");
            }
        }
    }

    /** Throws, naming each failed node and what to do, when any of {@code statuses} failed. */
    private static void failIfAny(List<NodeStatus> statuses, String which, String then) {
        List<NodeStatus> failed = statuses.stream().filter(s -> s.phase() == Phase.FAILED).toList();
        if (!failed.isEmpty()) {
            throw new FoundationException(failed.size() + " of " + statuses.size() + " " + which + " failed ("
                    + String.join("; ", failed.stream().map(s -> "node " + s.index() + " " + s.ip() + ": " + s.message()).toList())
                    + "); " + then);
        }
    }

    private Outcome resume(ClusterPlan plan, List<NodeHome> homes) {
        listener.cluster("cluster " + plan.name() + " exists already (every node is configured); powering on the nodes that are off");
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < homes.size(); i++) {
            all.add(i);
        }
        List<NodeStatus> out = powerOn(plan, homes, all, "in the cluster");
        Map<String, Long> millis = new LinkedHashMap<>();
        String health = finish(plan, millis);
        return new Outcome(false, prism(plan), null, plan.admin(), out, millis, health);
    }

    /** Powers on (BMC) the nodes at {@code which} (indexes into the plan) that are off; fails if one does not. */
    private List<NodeStatus> powerOn(ClusterPlan plan, List<NodeHome> homes, List<Integer> which, String ready) {
        List<NodeStatus> out = new ArrayList<>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<NodeStatus>> fs = new ArrayList<>();
            for (int i : which) {
                NodePlan n = plan.nodes().get(i);
                NodeHome h = homes.get(i);
                fs.add(pool.submit(() -> {
                    Map<Phase, Long> millis = new EnumMap<>(Phase.class);
                    try {
                        Bmc bmc = h.bmc(clock, ipmi);
                        if (bmc.powerState() != PowerState.ON) {
                            step(n, h, Phase.POWER_ON, null, millis);
                            long t0 = clock.nanoTime();
                            bmc.powerOn();
                            millis.put(Phase.POWER_ON, (clock.nanoTime() - t0) / 1_000_000);
                        }
                        return step(n, h, Phase.READY, ready, millis);
                    } catch (BmcException | RuntimeException e) {
                        return step(n, h, Phase.FAILED, e.getMessage(), millis);
                    }
                }));
            }
            for (Future<NodeStatus> f : fs) {
                out.add(f.get());
            }
        } catch (Exception e) {
            throw new FoundationException("powering on the nodes failed: " + e.getMessage(), e);
        }
        if (out.stream().anyMatch(x -> x.phase() == Phase.FAILED)) {
            throw new FoundationException("some nodes did not power on: " + String.join("; ", out.stream()
                    .filter(x -> x.phase() == Phase.FAILED).map(x -> "node " + x.index() + ": " + x.message()).toList()));
        }
        return out;
    }

    private List<NodeStatus> imageAll(ClusterPlan plan, List<NodePlan> which, ImageMetadata image) {
        List<NodeStatus> out = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<NodeStatus>> fs = new ArrayList<>();
            for (NodePlan n : which) {
                fs.add(pool.submit(() -> imageOne(plan, n, image)));
            }
            for (Future<NodeStatus> f : fs) {
                out.add(f.get());
            }
        } catch (Exception e) {
            throw new FoundationException("imaging stopped: " + e.getMessage(), e);
        }
        return out;
    }

    private NodeStatus step(NodePlan n, NodeHome h, Phase phase, String message, Map<Phase, Long> millis) {
        NodeStatus s = new NodeStatus(n.index(), h == null ? "?" : h.serial(), n.cvmIp(), phase, message, null, Map.copyOf(millis));
        listener.node(s);
        return s;
    }

    /** One node's imaging; never throws: a failure is the node's status, with the phase it happened in. */
    NodeStatus imageOne(ClusterPlan plan, NodePlan n, ImageMetadata image) {
        Map<Phase, Long> millis = new EnumMap<>(Phase.class);
        Phase[] at = {Phase.WAITING};
        NodeHome h = null;
        try {
            h = NodeHome.open(n.home());
            NodeHome node = h;
            Bmc bmc = h.bmc(clock, ipmi);
            String want = image == null ? null : image.name() + " " + image.version() + " " + image.sha256();
            boolean imaged = want == null || h.installedVersion().map(want::equals).orElse(false);
            boolean addressed = h.address().map(n.cvmIp()::equals).orElse(false);
            boolean on = bmc.powerState() == PowerState.ON;
            boolean runsRight = on && h.runningAddress().map(n.cvmIp()::equals).orElse(false);
            List<NodeDisks.Disk> disks = node.disks();
            int rf = plan.faultTolerance() + 1;
            // a configured node's disks are never touched; a factory node whose disks are not laid out yet is
            // powered off for it (it must not start its storage on anything else)
            boolean partition = !disks.isEmpty() && node.state() != NodeHome.State.CONFIGURED && !NodeDisks.done(node.home(), disks, rf);
            if (!imaged || !addressed || partition || (on && !runsRight)) {
                timed(n, h, Phase.POWER_OFF, at, millis, bmc::powerOff);
            }
            if (!imaged) {
                timed(n, h, Phase.WRITE_IMAGE, at, millis, () -> writeImage(plan, node));
            }
            if (partition) {
                timed(n, h, Phase.PARTITION, at, millis, () -> NodeDisks.partition(node.home(), disks, rf));
            }
            timed(n, h, Phase.WRITE_IDENTITY, at, millis, () -> {
                node.writeNetwork(network(plan, n, node));
                if (n.ipmiIp() != null) { // the BMC's own address (IPMI Set LAN Configuration Parameters)
                    bmc.setLanAddress((java.net.Inet4Address) java.net.InetAddress.getByName(n.ipmiIp()));
                }
            });
            timed(n, h, Phase.POWER_ON, at, millis, bmc::powerOn);
            String[] uuid = {null};
            timed(n, h, Phase.CHECK_IN, at, millis, () -> uuid[0] = checkIn(n.cvmIp(), node));
            NodeStatus s = new NodeStatus(n.index(), h.serial(), n.cvmIp(), Phase.READY, imaged ? "image already installed" : null, uuid[0],
                    Map.copyOf(millis));
            listener.node(s);
            return s;
        } catch (Exception e) {
            String log = h == null ? "" : " (logs: " + h.home().resolve("logs") + ")";
            String msg = at[0].label() + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()) + log;
            return step(n, h, Phase.FAILED, msg, millis);
        }
    }

    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }

    private void timed(NodePlan n, NodeHome h, Phase phase, Phase[] at, Map<Phase, Long> millis, Step step) throws Exception {
        at[0] = phase;
        step(n, h, phase, null, millis);
        long t0 = clock.nanoTime();
        step.run();
        millis.put(phase, (clock.nanoTime() - t0) / 1_000_000);
    }

    private static void writeImage(ClusterPlan plan, NodeHome h) throws Exception {
        Path home = h.home();
        // a node is re-imaged from scratch: both slots and the boot pointer go (data/ and logs/ stay)
        Files.deleteIfExists(home.resolve("boot"));
        deleteTree(home.resolve("slots"));
        Path meta = ImageVerifier.defaultMetadata(plan.image());
        ImageInstaller installer = new ImageInstaller(new ImageVerifier(SigningKeys.trusted(plan.trust())),
                new PrintStream(OutputStreamNull.INSTANCE));
        installer.install(plan.image(), meta, ImageVerifier.defaultSignature(meta), home, "A", true);
    }

    private static Map<String, Object> network(ClusterPlan plan, NodePlan n, NodeHome h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ip", n.cvmIp());
        m.put("netmask", plan.netmask());
        m.put("gateway", plan.gateway());
        m.put("hostname", n.hostname());
        m.put("dns", plan.dns());
        m.put("ntp", plan.ntp());
        if (n.ipmiIp() != null) {
            m.put("ipmi_ip", n.ipmiIp());
        }
        m.put("serial", h.serial());
        m.put("block", h.block());
        m.put("position", h.position());
        return m;
    }

    /** Waits until the controller at {@code ip} answers genesis.hello; returns its node uuid. */
    private String checkIn(String ip, NodeHome h) throws Exception {
        long deadline = clock.nanoTime() + CHECK_IN_TIMEOUT.toNanos();
        String last = "no answer";
        try (RpcClient boot = Rpc.bootstrapClient()) {
            while (clock.nanoTime() < deadline) {
                try {
                    JsonNode hello = Json.MAPPER.readTree(boot.call(ip, "genesis.hello", new byte[0], Duration.ofSeconds(5)));
                    if (hello.path("clustered").asBoolean()) {
                        throw new FoundationException(ip + " answered as a member of cluster '" + hello.path("cluster").asText()
                                + "'; it is not this node in factory state");
                    }
                    return hello.path("uuid").asText();
                } catch (FoundationException e) {
                    throw e;
                } catch (RuntimeException e) {
                    last = e.getMessage();
                }
                clock.sleep(Duration.ofMillis(250));
            }
        }
        throw new FoundationException("the node did not check in at " + ip + " within " + CHECK_IN_TIMEOUT.toSeconds() + " s (last: "
                + last + "); see " + h.home().resolve("logs/controller.log"));
    }

    private Outcome create(ClusterPlan plan, List<NodeStatus> nodes, boolean resuming) {
        Map<String, Long> millis = new LinkedHashMap<>();
        List<String> args = new ArrayList<>(List.of("cluster", "create", "--nodes",
                String.join(",", nodes.stream().map(NodeStatus::ip).toList()), "--name", plan.name(), "--ft",
                Integer.toString(plan.faultTolerance()), "--admin", plan.admin().toString()));
        StringBuilder blocks = new StringBuilder();
        for (NodePlan n : plan.nodes()) {
            blocks.append(blocks.isEmpty() ? "" : ",").append(n.cvmIp()).append('=').append(NodeHome.open(n.home()).block());
        }
        args.addAll(List.of("--blocks", blocks.toString()));
        listener.cluster(resuming ? "finishing the creation of cluster " + plan.name() + " (the nodes that did not join yet join)"
                : "creating cluster " + plan.name() + " (cluster CA, certificates, Zookeeper ensemble, Medusa shards)");
        long t0 = clock.nanoTime();
        String created = cli(plan, true, args.toArray(String[]::new));
        millis.put("create", (clock.nanoTime() - t0) / 1_000_000);
        String password = created.lines().filter(l -> l.startsWith("Prism login: user admin, password "))
                .map(l -> l.substring("Prism login: user admin, password ".length()).split("\\s+")[0]).findFirst().orElse(null);
        if (password != null) {
            listener.password(password);
        }
        String health = finish(plan, millis);
        return new Outcome(true, prism(plan), password, plan.admin(), nodes, millis, health);
    }

    /**
     * What follows the creation, each step idempotent so that a re-run completes it: the default
     * container (once Medusa has placed its shards), the virtual IP, the fault tolerance report.
     */
    private String finish(ClusterPlan plan, Map<String, Long> millis) {
        long t0 = clock.nanoTime();
        String containers = retry(plan, "the storage to come up", "ncli", "ctr", "ls");
        if (!containers.contains(DEFAULT_CONTAINER)) {
            listener.cluster("creating the default container (" + DEFAULT_CONTAINER + ", RF " + (plan.faultTolerance() + 1) + ")");
            retry(plan, "the default container", "ncli", "ctr", "create", "name=" + DEFAULT_CONTAINER, "rf=" + (plan.faultTolerance() + 1));
        }
        millis.put("container", (clock.nanoTime() - t0) / 1_000_000);
        if (plan.vip() != null) {
            t0 = clock.nanoTime();
            listener.cluster("setting the cluster virtual IP " + plan.vip());
            retry(plan, "the virtual IP", "ncli", "cluster", "edit-params", "external-ip-address=" + plan.vip());
            millis.put("vip", (clock.nanoTime() - t0) / 1_000_000);
        }
        t0 = clock.nanoTime();
        String health = retry(plan, "the fault tolerance report", "ncli", "cluster", "get-domain-fault-tolerance-status", "type=node");
        millis.put("health", (clock.nanoTime() - t0) / 1_000_000);
        return health;
    }

    /** {@link #cli} until it succeeds, for at most {@link #SETTLE}: a new cluster's services come up one after another. */
    private String retry(ClusterPlan plan, String what, String... args) {
        long deadline = clock.nanoTime() + SETTLE.toNanos();
        for (;;) {
            try {
                return cli(plan, false, args);
            } catch (FoundationException e) {
                if (clock.nanoTime() > deadline) {
                    throw new FoundationException("waited " + SETTLE.toSeconds() + " s for " + what + ": " + e.getMessage()
                            + "; run foundation image again to finish");
                }
            }
            try {
                clock.sleep(Duration.ofSeconds(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new FoundationException("interrupted while waiting for " + what);
            }
        }
    }

    private static String prism(ClusterPlan plan) {
        return "https://" + (plan.vip() != null ? plan.vip() : plan.nodes().get(0).cvmIp()) + ":9440/";
    }

    /**
     * Runs a command of the cairn command-line tool against the cluster; its output (shown as
     * progress when {@code show}), or a failure with its message.
     */
    private String cli(ClusterPlan plan, boolean show, String... args) {
        return cliVia(plan, plan.nodes().get(0).cvmIp(), show, args);
    }

    /** As {@link #cli}, talking to the controller at {@code via}. */
    private String cliVia(ClusterPlan plan, String via, boolean show, String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        if (!a.get(0).equals("cluster") || !a.get(1).equals("create")) {
            a.addAll(List.of("--node", via, "--admin", plan.admin().toString()));
        }
        StringBuilder text = new StringBuilder();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc;
        try (PrintStream o = new PrintStream(new Lines(line -> {
            text.append(line).append('\n');
            if (show && !line.startsWith("Prism login:")) {
                listener.cluster(line);
            }
        }), true, StandardCharsets.UTF_8); PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            rc = io.cairn.cli.Main.run(a.toArray(String[]::new), o, e);
        }
        if (rc != 0) {
            throw new FoundationException("'cairn " + String.join(" ", args) + "' failed: " + err.toString(StandardCharsets.UTF_8).strip());
        }
        return text.toString();
    }

    /** An output stream that hands on whole lines. */
    private static final class Lines extends java.io.OutputStream {
        private final java.util.function.Consumer<String> sink;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        Lines(java.util.function.Consumer<String> sink) {
            this.sink = sink;
        }

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                sink.accept(line.toString(StandardCharsets.UTF_8));
                line.reset();
            } else {
                line.write(b);
            }
        }

        @Override
        public synchronized void close() {
            if (line.size() > 0) {
                write('\n');
            }
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }

    /** Discards the installer's own log lines (progress is reported per phase). */
    private static final class OutputStreamNull extends java.io.OutputStream {
        static final OutputStreamNull INSTANCE = new OutputStreamNull();

        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] b, int off, int len) {
        }
    }

}
