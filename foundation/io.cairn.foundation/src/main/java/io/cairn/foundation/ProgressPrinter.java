package io.cairn.foundation;

import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The CLI's live progress: a line per node step and per cluster step, then a per-phase summary. */
final class ProgressPrinter implements Foundation.Listener {

    private final PrintStream out;
    private final long t0;
    private final Map<Integer, Foundation.NodeStatus> last = new ConcurrentHashMap<>();

    ProgressPrinter(PrintStream out, long t0) {
        this.out = out;
        this.t0 = t0;
    }

    private String clock() {
        return String.format("[%6.1fs]", (System.nanoTime() - t0) / 1e9);
    }

    @Override
    public synchronized void node(Foundation.NodeStatus s) {
        last.put(s.index(), s);
        int step = s.phase().ordinal();
        String of = s.phase() == Foundation.Phase.FAILED ? "FAILED" : step + "/" + Foundation.Phase.READY.ordinal();
        out.printf("%s node %d %-14s %-15s %-6s %s%s%n", clock(), s.index(), s.serial(), s.ip(), of, s.phase().label(),
                s.message() == null ? "" : ": " + s.message());
        out.flush();
    }

    @Override
    public synchronized void cluster(String line) {
        if (!line.isBlank()) {
            out.println(clock() + " cluster  " + line);
            out.flush();
        }
    }

    @Override
    public synchronized void password(String password) {
        out.println(clock() + " cluster  Log in as user admin with password " + password
                + "  (shown only now; change it at the first login)");
        out.flush();
    }

    synchronized void summary(Foundation.Outcome r, long totalMillis) {
        out.println();
        out.println("Per-node phases (ms):");
        out.printf("  %-4s %-15s %9s %11s %9s %9s %8s %9s%n", "NODE", "ADDRESS", "POWER_OFF", "WRITE_IMAGE", "PARTITION", "IDENTITY",
                "POWER_ON", "CHECK_IN");
        for (Foundation.NodeStatus s : r.nodes()) {
            Map<Foundation.Phase, Long> m = s.millis();
            out.printf("  %-4d %-15s %9s %11s %9s %9s %8s %9s%n", s.index(), s.ip(), v(m, Foundation.Phase.POWER_OFF),
                    v(m, Foundation.Phase.WRITE_IMAGE), v(m, Foundation.Phase.PARTITION), v(m, Foundation.Phase.WRITE_IDENTITY),
                    v(m, Foundation.Phase.POWER_ON),
                    v(m, Foundation.Phase.CHECK_IN));
        }
        if (!r.clusterMillis().isEmpty()) {
            out.println("Cluster phases (ms): " + r.clusterMillis());
        }
        out.printf("Total: %.1f s%n", totalMillis / 1000.0);
        out.println();
        out.println((r.created() ? "Cluster created. " : "Cluster is up. ") + "Prism: " + r.prismUrl() + "  (CA certificate "
                + r.admin().resolve("ca.pem") + ")");
        if (r.adminPassword() != null) {
            out.println("Log in as user admin with the password printed above (shown once; change it at the first login), or with the "
                    + "admin certificate " + r.admin().resolve("cert.pem"));
        } else if (!r.created()) {
            out.println("Log in as user admin with the password shown when the cluster was created, or with the admin certificate "
                    + r.admin().resolve("cert.pem"));
        }
        if (r.faultTolerance() != null) {
            out.println("Fault tolerance (node failures tolerable now): " + faultTolerance(r.faultTolerance()));
        }
        out.flush();
    }

    /** "1 (EXTENT_GROUPS 1, OPLOG 1, ...)" from the blocks of ncli cluster get-domain-fault-tolerance-status. */
    static String faultTolerance(String report) {
        java.util.List<String> parts = new java.util.ArrayList<>();
        int min = Integer.MAX_VALUE;
        String component = null;
        for (String line : report.lines().toList()) {
            String[] kv = line.split(":", 2);
            if (kv.length < 2) {
                continue;
            }
            String k = kv[0].strip();
            String v = kv[1].strip();
            if (k.equals("Component Type")) {
                component = v;
            } else if (k.equals("Current Fault Tolerance") && component != null) {
                parts.add(component + " " + v);
                try {
                    min = Math.min(min, Integer.parseInt(v));
                } catch (NumberFormatException e) {
                    min = Math.min(min, 0);
                }
            }
        }
        return parts.isEmpty() ? "unknown" : min + " (" + String.join(", ", parts) + ")";
    }

    private static String v(Map<Foundation.Phase, Long> m, Foundation.Phase p) {
        Long x = m.get(p);
        return x == null ? "-" : x.toString();
    }
}
