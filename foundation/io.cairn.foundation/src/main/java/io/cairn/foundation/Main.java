package io.cairn.foundation;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.cairn.common.clock.ThreadClock;
import io.cairn.hal.api.bmc.Bmc;
import io.cairn.hal.api.bmc.PowerState;

/** {@code foundation COMMAND ...}: exit 0 on success, 1 on failure or refusal, 2 on usage errors. */
public final class Main {

    static final String USAGE = """
            usage: foundation COMMAND ...
              image --config FILE        validate, image every node of FILE through its BMC (in parallel, progress per
                                         node), create the cluster, its default container and virtual IP; prints
                                         Prism's address and the admin password (once). Running it again resumes.
              discover [--registry DIR | --no-registry] [--interface IF]... [--no-multicast] [--address IP]... [--timeout S] [--json]
                                         factory-state nodes: IPv6 link-local multicast on this machine's links, the
                                         loopback registry, and controllers asked directly (--address)
              applet [--interface IF]... [--node UUID | --pick N] [--listen 127.0.0.1:9442] [--timeout S]
                                         the discovery applet: lists factory nodes on this machine's links (IPv6
                                         link-local multicast) and proxies 127.0.0.1:9442 to the chosen node's
                                         Foundation ([fe80::...%IF]:8000) until stopped
              validate --config FILE     check the form and the network without changing anything
              status --config FILE       each node: state (bare, factory, configured), power, address, image
              power on|off --config FILE power the nodes on or off through their BMCs
              layout --home DIR [--rf 2|3]
                                         the device layout (spec 10 §7) of the node's data disks for that highest
                                         container RF (default 2): per disk its partitions, and whether the disk's
                                         partition table is that layout already
              serve [--dir DIR] [--listen ADDR:PORT] [--store DIR] [--trust KEY|DIR]
                                         the REST API (/foundation/v1) and the web GUI (/gui/index.html) for the nodes
                                         in DIR (default .), on 127.0.0.1:8000 unless --listen says otherwise; images
                                         from the installer store DIR (default: this checkout's built images)
              bare create --dir DIR --count N [--prefix node] [--bmc process|ipmi] [--disks SPEC]
                                         make N simulated bare nodes DIR/node1..N (disks and a process BMC, nothing
                                         installed) for a cluster on this machine; --bmc ipmi: each node's BMC is an
                                         OpenIPMI ipmi_sim daemon on 127.0.0.1 (started now); --disks: the data disks,
                                         sparse image files, e.g. ssd:2x1T,hdd:2x4T (default ssd:2x256G; 'none': a
                                         directory disk), partitioned per the device layout when imaged
              bare start|stop --dir DIR  start or stop the ipmi_sim BMCs of the nodes in DIR (power stays as it is)
            FILE (cluster.json): {"cluster": {"name", "ip" (virtual IP, optional), "dns": [], "ntp": [],
              "fault_tolerance": 1}, "cvm": {"netmask", "gateway"}, "hypervisor": {"type": "kvm",
              "hostname_prefix"}, "image": {"archive", "trust"}, "admin": DIR, "skip_imaging": false,
              "nodes": [{"home", "cvm_ip", "hostname" (optional), "ipmi_ip" (optional)}, ...]}
            """;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        List<String> a = new ArrayList<>(Arrays.asList(args));
        if (a.isEmpty() || a.contains("--help") || a.contains("help")) {
            out.print(USAGE);
            return a.isEmpty() ? 2 : 0;
        }
        try {
            String cmd = a.remove(0);
            return switch (cmd) {
                case "image" -> image(options(a, Set.of("--config")), out);
                case "validate" -> validate(options(a, Set.of("--config")), out);
                case "status" -> status(options(a, Set.of("--config")), out);
                case "layout" -> layout(options(a, Set.of("--home", "--rf")), out);
                case "power" -> power(a, out);
                case "bare" -> bare(a, out);
                case "discover" -> io.cairn.foundation.discovery.DiscoverCommand.run(a, out, err);
                case "applet" -> io.cairn.foundation.discovery.AppletCommand.run(a, System.in, System.console() != null, out, err);
                case "serve" -> serve(options(a, Set.of("--dir", "--listen", "--store", "--trust")), out);
                default -> throw new Usage("unknown command '" + cmd + "'");
            };
        } catch (Usage e) {
            err.println("foundation: " + e.getMessage());
            err.println("run 'foundation help' for the commands");
            return 2;
        } catch (ClusterPlan.Invalid e) {
            err.println("foundation: the form has " + e.problems().size() + " problem(s):");
            e.problems().forEach(p -> err.println("  " + p));
            return 1;
        } catch (FoundationException e) {
            err.println("foundation: " + e.getMessage());
            return 1;
        }
    }

    static ClusterPlan plan(Map<String, String> o) {
        String f = o.get("--config");
        if (f == null) {
            throw new Usage("--config FILE (the cluster.json form) is required");
        }
        Path file = Path.of(f).toAbsolutePath().normalize();
        return ClusterPlan.parse(Json.read(file), file.getParent());
    }

    private static int validate(Map<String, String> o, PrintStream out) {
        ClusterPlan plan = plan(o);
        Validator.Result r = new Validator(new NetworkProbe(1000)).validate(plan);
        if (!r.ok()) {
            throw new ClusterPlan.Invalid(r.problems());
        }
        out.println("valid: cluster " + plan.name() + ", " + plan.nodes().size() + " nodes"
                + (r.image() == null ? " (skip imaging)" : ", image " + r.image().name() + " " + r.image().version() + " (signature checked)"));
        return 0;
    }

    private static int image(Map<String, String> o, PrintStream out) {
        ClusterPlan plan = plan(o);
        long t0 = System.nanoTime();
        ProgressPrinter printer = new ProgressPrinter(out, t0);
        try (ThreadClock clock = new ThreadClock("foundation", 1)) {
            Foundation.Outcome r = new Foundation(clock, Ipmi.access(clock), new NetworkProbe(1000), printer).run(plan);
            printer.summary(r, (System.nanoTime() - t0) / 1_000_000);
        }
        return 0;
    }

    private static int layout(Map<String, String> o, PrintStream out) {
        if (o.get("--home") == null) {
            throw new Usage("layout needs --home DIR (a node's home, with its node.json)");
        }
        String rf = o.getOrDefault("--rf", "2");
        if (!rf.equals("2") && !rf.equals("3")) {
            throw new Usage("--rf must be 2 or 3 (the highest container replication factor), not '" + rf + "'");
        }
        NodeHome h = NodeHome.open(Path.of(o.get("--home")));
        List<io.cairn.foundation.disks.NodeDisks.Disk> disks = h.disks();
        if (disks.isEmpty()) {
            throw new FoundationException(h.home() + " has no data disks in its node.json (its data disk is a directory)");
        }
        io.cairn.storage.api.layout.NodeLayout layout;
        try {
            layout = io.cairn.foundation.disks.NodeDisks.plan(disks, Integer.parseInt(rf));
        } catch (io.cairn.common.error.CairnException e) {
            throw new FoundationException(e.getMessage());
        }
        out.printf("node %s, RF %s: %d OpLog device(s)%n", h.serial(), rf, layout.oplogDevices());
        for (int i = 0; i < disks.size(); i++) {
            io.cairn.foundation.disks.NodeDisks.Disk d = disks.get(i);
            io.cairn.foundation.disks.Gpt.Table want = io.cairn.foundation.disks.NodeDisks.table(d, layout.disks().get(i));
            String table;
            try {
                table = io.cairn.foundation.disks.Gpt.read(d.image()).map(t -> t.equals(want) ? "partitioned so" : "partitioned otherwise")
                        .orElse("not partitioned");
            } catch (java.io.IOException e) {
                table = "damaged table";
            }
            out.printf("%s %s %.1f GiB (%s): %s%n", d.serial(), d.kind(), d.sizeBytes() / (double) (1L << 30), d.image(), table);
            for (io.cairn.foundation.disks.Gpt.Partition p : want.partitions()) {
                out.printf("  %-15s start %10.3f GiB  size %10.3f GiB%n", p.name(), p.firstByte() / (double) (1L << 30),
                        p.sizeBytes() / (double) (1L << 30));
            }
        }
        layout.warnings().forEach(w -> out.println("warning: " + w));
        return 0;
    }

    private static int status(Map<String, String> o, PrintStream out) {
        ClusterPlan plan = plan(o);
        try (ThreadClock clock = new ThreadClock("foundation", 1)) {
            out.printf("%-4s %-14s %-11s %-6s %-15s %s%n", "NODE", "SERIAL", "STATE", "POWER", "ADDRESS", "IMAGE");
            for (ClusterPlan.NodePlan n : plan.nodes()) {
                NodeHome h = NodeHome.open(n.home());
                String power;
                try {
                    power = h.bmc(clock, Ipmi.access(clock)).powerState() == PowerState.ON ? "on" : "off";
                } catch (Exception e) {
                    power = "?";
                }
                out.printf("%-4d %-14s %-11s %-6s %-15s %s%n", n.index(), h.serial(), h.state().label(), power,
                        h.address().orElse("-"), h.installedVersion().map(v -> v.substring(0, v.lastIndexOf(' '))).orElse("-"));
            }
        }
        return 0;
    }

    private static int power(List<String> a, PrintStream out) {
        if (a.isEmpty() || !(a.get(0).equals("on") || a.get(0).equals("off"))) {
            throw new Usage("power on|off --config FILE");
        }
        boolean on = a.remove(0).equals("on");
        ClusterPlan plan = plan(options(a, Set.of("--config")));
        try (ThreadClock clock = new ThreadClock("foundation", 1); var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<String>> fs = new ArrayList<>();
            for (ClusterPlan.NodePlan n : plan.nodes()) {
                fs.add(pool.submit(() -> {
                    NodeHome h = NodeHome.open(n.home());
                    Bmc bmc = h.bmc(clock, Ipmi.access(clock));
                    if (on) {
                        bmc.powerOn();
                    } else {
                        bmc.powerOff();
                    }
                    return "node " + n.index() + " (" + h.serial() + ", " + bmc.address() + "): power " + (on ? "on" : "off");
                }));
            }
            int rc = 0;
            for (var f : fs) {
                try {
                    out.println(f.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    out.println("failed: " + e.getCause().getMessage());
                    rc = 1;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return 1;
                }
            }
            return rc;
        }
    }

    private static int serve(Map<String, String> o, PrintStream out) {
        Path root = Path.of(System.getProperty("cairn.root", "."));
        String listen = o.getOrDefault("--listen", "127.0.0.1:8000");
        int colon = listen.lastIndexOf(':');
        if (colon <= 0) {
            throw new Usage("--listen must be ADDRESS:PORT, e.g. 127.0.0.1:8000");
        }
        int port;
        try {
            port = Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new Usage("--listen must be ADDRESS:PORT, e.g. 127.0.0.1:8000");
        }
        ThreadClock clock = new ThreadClock("foundation", 1);
        try {
            FoundationServer server = new FoundationServer(new java.net.InetSocketAddress(listen.substring(0, colon), port),
                    Path.of(o.getOrDefault("--dir", ".")), Path.of(o.getOrDefault("--store", root.resolve("appliance-image/target").toString())),
                    Path.of(o.getOrDefault("--trust", root.resolve(".signing").toString())), clock);
            server.start();
            out.println("Foundation GUI: http://" + listen + "/gui/index.html  (REST: http://" + listen + "/foundation/v1/; stop with Ctrl-C)");
            out.flush();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close();
                clock.close();
            }));
            Thread.currentThread().join();
            return 0;
        } catch (java.io.IOException e) {
            clock.close();
            throw new FoundationException("cannot listen on " + listen + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    private static int bare(List<String> a, PrintStream out) {
        if (!a.isEmpty() && (a.get(0).equals("start") || a.get(0).equals("stop"))) {
            return IpmiSimBmc.run(a.remove(0), options(a, Set.of("--dir")), out);
        }
        if (a.isEmpty() || !a.get(0).equals("create")) {
            throw new Usage("bare create --dir DIR --count N [--prefix node] [--bmc process|ipmi] [--disks SPEC] | bare start|stop --dir DIR");
        }
        a.remove(0);
        Map<String, String> o = options(a, Set.of("--dir", "--count", "--prefix", "--bmc", "--disks"));
        if (o.get("--dir") == null || o.get("--count") == null) {
            throw new Usage("bare create needs --dir DIR and --count N");
        }
        int count;
        try {
            count = Integer.parseInt(o.get("--count"));
        } catch (NumberFormatException e) {
            throw new Usage("--count must be a number, not '" + o.get("--count") + "'");
        }
        Path root = Path.of(System.getProperty("cairn.root", "."));
        String bmc = o.getOrDefault("--bmc", "process");
        String disks = o.getOrDefault("--disks", io.cairn.foundation.disks.NodeDisks.DEFAULT_SPEC);
        for (Path h : BareNodes.create(Path.of(o.get("--dir")), count, o.getOrDefault("--prefix", "node"), root, bmc, disks)) {
            NodeHome n = NodeHome.open(h);
            out.println(h + ": " + n.state().label() + " node " + n.serial() + " (block " + n.block() + ", "
                    + n.disks().size() + " data disk(s))"
                    + (bmc.equals("ipmi") ? IpmiSimBmc.startOne(h) : ""));
        }
        return 0;
    }

    static Map<String, String> options(List<String> a, Set<String> allowed) {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i < a.size(); i++) {
            String k = a.get(i);
            if (!allowed.contains(k)) {
                throw new Usage("unknown argument '" + k + "'; expected " + allowed);
            }
            if (i + 1 >= a.size()) {
                throw new Usage(k + " needs a value");
            }
            o.put(k, a.get(++i));
        }
        return o;
    }

    /** A command line that cannot be understood. */
    static final class Usage extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Usage(String message) {
            super(message);
        }
    }
}
