package io.cairn.foundation;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What the user asked for (the {@code cluster.json} of {@code foundation image --config}, the
 * GUI's form): the spec's input table. Relative paths are resolved against the file's folder.
 * Parsing collects every shape problem (unknown keys, missing or mistyped values) with the field it
 * concerns; {@link Validator} then checks the values against each other and the network.
 */
public record ClusterPlan(String name, String vip, List<String> dns, List<String> ntp, int faultTolerance, String netmask,
        String gateway, String hostnamePrefix, String hypervisor, Path image, Path trust, Path admin, boolean skipImaging,
        List<NodePlan> nodes) {

    /** One node: its home (boot disk) and the addresses it gets. */
    public record NodePlan(int index, Path home, String cvmIp, String hostname, String ipmiIp) {

        /** The form field naming this node's value, e.g. {@code nodes[2].cvm_ip} (1-based, as shown). */
        public String field(String key) {
            return "nodes[" + index + "]." + key;
        }
    }

    /** A problem with one field of the form. */
    public record Problem(String field, String message) {
        @Override
        public String toString() {
            return field + ": " + message;
        }
    }

    private static final Map<String, Set<String>> KEYS = Map.of(
            "", Set.of("cluster", "cvm", "hypervisor", "image", "admin", "skip_imaging", "nodes"),
            "cluster", Set.of("name", "ip", "dns", "ntp", "fault_tolerance"),
            "cvm", Set.of("netmask", "gateway"),
            "hypervisor", Set.of("type", "hostname_prefix"),
            "image", Set.of("archive", "trust"),
            "node", Set.of("home", "cvm_ip", "hostname", "ipmi_ip"));

    /** Parses the form; throws {@link Invalid} with every shape problem at once. */
    public static ClusterPlan parse(JsonNode root, Path base) {
        List<Problem> problems = new ArrayList<>();
        if (root == null || !root.isObject()) {
            throw new Invalid(List.of(new Problem("(file)", "must be a JSON object with cluster, cvm, hypervisor, image and nodes")));
        }
        unknown(root, "", "", problems);
        JsonNode cluster = object(root, "cluster", problems);
        JsonNode cvm = object(root, "cvm", problems);
        JsonNode hyper = root.path("hypervisor");
        JsonNode image = object(root, "image", problems);
        unknown(cluster, "cluster", "cluster.", problems);
        unknown(cvm, "cvm", "cvm.", problems);
        unknown(hyper, "hypervisor", "hypervisor.", problems);
        unknown(image, "image", "image.", problems);
        String name = text(cluster, "name", "cluster.name", true, problems);
        String vip = text(cluster, "ip", "cluster.ip", false, problems);
        List<String> dns = list(cluster, "dns", "cluster.dns", problems);
        List<String> ntp = list(cluster, "ntp", "cluster.ntp", problems);
        int ft = 1;
        if (cluster.has("fault_tolerance")) {
            JsonNode f = cluster.get("fault_tolerance");
            if (!f.isInt() || (f.asInt() != 1 && f.asInt() != 2)) {
                problems.add(new Problem("cluster.fault_tolerance", "must be 1 or 2, not " + f));
            } else {
                ft = f.asInt();
            }
        }
        String netmask = text(cvm, "netmask", "cvm.netmask", true, problems);
        String gateway = text(cvm, "gateway", "cvm.gateway", true, problems);
        String prefix = hyper.has("hostname_prefix") ? text(hyper, "hostname_prefix", "hypervisor.hostname_prefix", true, problems)
                : "cairn";
        String type = hyper.has("type") ? text(hyper, "type", "hypervisor.type", true, problems) : "kvm";
        String archive = text(image, "archive", "image.archive", true, problems);
        String trust = text(image, "trust", "image.trust", true, problems);
        String admin = text(root, "admin", "admin", true, problems);
        boolean skip = root.path("skip_imaging").asBoolean(false);
        if (root.has("skip_imaging") && !root.get("skip_imaging").isBoolean()) {
            problems.add(new Problem("skip_imaging", "must be true or false"));
        }
        List<NodePlan> nodes = new ArrayList<>();
        JsonNode ns = root.path("nodes");
        if (!ns.isArray() || ns.isEmpty()) {
            problems.add(new Problem("nodes", "must list the nodes to image, each with home and cvm_ip"));
        } else {
            for (int i = 0; i < ns.size(); i++) {
                JsonNode n = ns.get(i);
                String f = "nodes[" + (i + 1) + "]";
                if (!n.isObject()) {
                    problems.add(new Problem(f, "must be an object with home and cvm_ip"));
                    continue;
                }
                unknown(n, "node", f + ".", problems);
                String home = text(n, "home", f + ".home", true, problems);
                String ip = text(n, "cvm_ip", f + ".cvm_ip", true, problems);
                String host = text(n, "hostname", f + ".hostname", false, problems);
                String ipmi = text(n, "ipmi_ip", f + ".ipmi_ip", false, problems);
                nodes.add(new NodePlan(i + 1, home == null ? null : base.resolve(home).normalize(), ip,
                        host != null ? host : prefix + "-" + (i + 1), ipmi));
            }
        }
        if (!problems.isEmpty()) {
            throw new Invalid(problems);
        }
        return new ClusterPlan(name, vip, dns, ntp, ft, netmask, gateway, prefix, type, base.resolve(archive).normalize(),
                base.resolve(trust).normalize(), base.resolve(admin).normalize(), skip, List.copyOf(nodes));
    }

    private static JsonNode object(JsonNode root, String key, List<Problem> problems) {
        JsonNode n = root.path(key);
        if (!n.isObject()) {
            problems.add(new Problem(key, "is required (an object)"));
        }
        return n;
    }

    private static void unknown(JsonNode n, String kind, String prefix, List<Problem> problems) {
        if (!n.isObject()) {
            return;
        }
        for (Iterator<String> it = n.fieldNames(); it.hasNext();) {
            String k = it.next();
            if (!KEYS.get(kind).contains(k)) {
                problems.add(new Problem(prefix + k, "unknown field; expected one of " + new java.util.TreeSet<>(KEYS.get(kind))));
            }
        }
    }

    private static String text(JsonNode n, String key, String field, boolean required, List<Problem> problems) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull() || (v.isTextual() && v.asText().isBlank())) {
            if (required) {
                problems.add(new Problem(field, "is required"));
            }
            return null;
        }
        if (!v.isTextual()) {
            problems.add(new Problem(field, "must be a string, not " + v));
            return null;
        }
        return v.asText().strip();
    }

    private static List<String> list(JsonNode n, String key, String field, List<Problem> problems) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (!v.isArray()) {
            problems.add(new Problem(field, "must be a list of addresses"));
            return out;
        }
        v.forEach(x -> out.add(x.asText()));
        return List.copyOf(out);
    }

    /** The form cannot be used; every problem names its field. */
    public static final class Invalid extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient List<Problem> problems;

        public Invalid(List<Problem> problems) {
            super(problems.size() + " problem(s): " + problems.stream().map(Problem::toString).reduce((a, b) -> a + "; " + b).orElse(""));
            this.problems = List.copyOf(problems);
        }

        public List<Problem> problems() {
            return problems;
        }
    }
}
