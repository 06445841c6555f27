package io.cairn.foundation;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import io.cairn.foundation.ClusterPlan.NodePlan;
import io.cairn.foundation.ClusterPlan.Problem;
import io.cairn.image.ImageMetadata;
import io.cairn.image.ImageVerifier;
import io.cairn.image.SignedMetadata;
import io.cairn.image.SigningKeys;

/**
 * "Validate Network" and the image check (spec 10 §5): every problem names the form field it is
 * about. Refuses an address given twice (naming both fields), an address outside the CVM
 * netmask/gateway subnet, a new address that already answers on the network (unless it is that
 * node's own current address), a gateway that does not answer, nodes that are already configured,
 * and an image that is unsigned, tampered with or not built for the chosen hypervisor.
 */
public final class Validator {

    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,62}");
    private static final Pattern HOSTNAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

    private final NetworkProbe probe;

    public Validator(NetworkProbe probe) {
        this.probe = probe;
    }

    /** The image's signed metadata once it verified; null if the image was refused (a problem says why). */
    public record Result(List<Problem> problems, ImageMetadata image) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    public Result validate(ClusterPlan plan) {
        return validate(plan, java.util.Set.of());
    }

    /**
     * As {@link #validate(ClusterPlan)} for an expansion: the nodes whose homes are in {@code members}
     * are already in the cluster and are not refused for it.
     */
    public Result validate(ClusterPlan plan, java.util.Set<java.nio.file.Path> members) {
        List<Problem> problems = new ArrayList<>();
        if (!NAME.matcher(plan.name()).matches()) {
            problems.add(new Problem("cluster.name", "'" + plan.name() + "' must be letters, digits, '-' and '_' (up to 63)"));
        }
        int need = 2 * plan.faultTolerance() + 1;
        if (plan.nodes().size() < need) {
            problems.add(new Problem("nodes", "fault tolerance " + plan.faultTolerance() + " needs at least " + need + " nodes; the form has "
                    + plan.nodes().size()));
        }
        boolean netmaskOk = ipv4("cvm.netmask", plan.netmask(), problems) && netmask(plan.netmask(), problems);
        boolean gatewayOk = ipv4("cvm.gateway", plan.gateway(), problems);
        for (int i = 0; i < plan.dns().size(); i++) {
            ipv4("cluster.dns[" + (i + 1) + "]", plan.dns().get(i), problems);
        }
        for (int i = 0; i < plan.ntp().size(); i++) {
            String s = plan.ntp().get(i);
            if (!IPV4.matcher(s).matches() && !HOSTNAME.matcher(s.replace(".", "a")).matches()) {
                problems.add(new Problem("cluster.ntp[" + (i + 1) + "]", "'" + s + "' is neither an IPv4 address nor a host name"));
            }
        }

        // every address once (naming both fields), each inside the CVM subnet
        Map<String, String> seen = new LinkedHashMap<>();
        Map<String, NodePlan> newAddresses = new LinkedHashMap<>();
        if (plan.vip() != null && ipv4("cluster.ip", plan.vip(), problems)) {
            seen.put(plan.vip(), "cluster.ip");
            if (members.isEmpty()) { // when expanding, the cluster holds its virtual IP already
                newAddresses.put(plan.vip(), null);
            }
            if (netmaskOk && gatewayOk) {
                inSubnet("cluster.ip", plan.vip(), plan, problems);
            }
        }
        Map<String, String> homes = new LinkedHashMap<>();
        for (NodePlan n : plan.nodes()) {
            if (ipv4(n.field("cvm_ip"), n.cvmIp(), problems)) {
                String other = seen.putIfAbsent(n.cvmIp(), n.field("cvm_ip"));
                if (other != null) {
                    problems.add(new Problem(n.field("cvm_ip"), n.cvmIp() + " is also given as " + other + "; each address once"));
                } else if (!members.contains(n.home())) {
                    newAddresses.put(n.cvmIp(), n);
                }
                if (netmaskOk && gatewayOk) {
                    inSubnet(n.field("cvm_ip"), n.cvmIp(), plan, problems);
                }
            }
            if (n.ipmiIp() != null && ipv4(n.field("ipmi_ip"), n.ipmiIp(), problems)) {
                String other = seen.putIfAbsent(n.ipmiIp(), n.field("ipmi_ip"));
                if (other != null) {
                    problems.add(new Problem(n.field("ipmi_ip"), n.ipmiIp() + " is also given as " + other + "; each address once"));
                }
            }
            if (!HOSTNAME.matcher(n.hostname()).matches()) {
                problems.add(new Problem(n.field("hostname"), "'" + n.hostname() + "' is not a host name (letters, digits and '-', up to 63)"));
            }
            String otherHome = homes.putIfAbsent(n.home().toString(), n.field("home"));
            if (otherHome != null) {
                problems.add(new Problem(n.field("home"), n.home() + " is also " + otherHome + "; each node once"));
            }
            if (!members.contains(n.home())) {
                node(plan, n, problems);
            }
        }
        if (plan.gateway() != null && seen.containsKey(plan.gateway())) {
            problems.add(new Problem(seen.get(plan.gateway()), plan.gateway() + " is the gateway (cvm.gateway)"));
        }

        // the network: the gateway answers, new addresses do not (unless it is that node's own)
        if (gatewayOk && netmaskOk) {
            if (!probe.onLink(plan.gateway())) {
                problems.add(new Problem("cvm.gateway", plan.gateway() + " is not on a network this machine is attached to; run "
                        + "Foundation on the nodes' network (or fix the gateway)"));
            } else if (!probe.answers(plan.gateway())) {
                problems.add(new Problem("cvm.gateway", "the gateway " + plan.gateway() + " does not answer; check the address and the link"));
            }
        }
        for (var e : newAddresses.entrySet()) {
            String ip = e.getKey();
            NodePlan n = e.getValue();
            String field = n == null ? "cluster.ip" : n.field("cvm_ip");
            if (n != null && Files.isDirectory(n.home()) && ownAddress(n, ip)) {
                continue;
            }
            if (probe.onLink(ip) && probe.inUse(ip)) {
                problems.add(new Problem(field, ip + " already answers on the network; pick a free address"));
            }
        }
        ImageMetadata image = plan.skipImaging() ? null : image(plan, problems);
        return new Result(List.copyOf(problems), image);
    }

    private static boolean ownAddress(NodePlan n, String ip) {
        try {
            return NodeHome.open(n.home()).runningAddress().map(ip::equals).orElse(false);
        } catch (FoundationException e) {
            return false;
        }
    }

    private void node(ClusterPlan plan, NodePlan n, List<Problem> problems) {
        NodeHome node;
        try {
            node = NodeHome.open(n.home());
        } catch (FoundationException e) {
            problems.add(new Problem(n.field("home"), e.getMessage()));
            return;
        }
        if (node.state() == NodeHome.State.CONFIGURED) {
            problems.add(new Problem(n.field("home"), "node " + node.serial() + " already belongs to a cluster; only bare and factory nodes "
                    + "can be imaged (remove it from its cluster first)"));
        } else if (plan.skipImaging() && node.state() == NodeHome.State.BARE) {
            problems.add(new Problem(n.field("home"), "node " + node.serial() + " is bare (no image installed); it cannot skip imaging"));
        }
        try { // the disks must take the device layout (spec 10 §7) for the cluster's highest RF
            List<io.cairn.foundation.disks.NodeDisks.Disk> disks = node.disks();
            if (!disks.isEmpty()) {
                io.cairn.foundation.disks.NodeDisks.plan(disks, plan.faultTolerance() + 1);
            }
        } catch (FoundationException | io.cairn.common.error.CairnException e) {
            problems.add(new Problem(n.field("home"), "node " + node.serial() + ": " + e.getMessage()));
        }
    }

    private static ImageMetadata image(ClusterPlan plan, List<Problem> problems) {
        if (!Files.isRegularFile(plan.image())) {
            problems.add(new Problem("image.archive", plan.image() + " does not exist; build it with ./cairn build or upload it"));
            return null;
        }
        try {
            ImageVerifier verifier = new ImageVerifier(SigningKeys.trusted(plan.trust()));
            SignedMetadata signed = verifier.verifyMetadata(ImageVerifier.defaultMetadata(plan.image()),
                    ImageVerifier.defaultSignature(ImageVerifier.defaultMetadata(plan.image())));
            verifier.checkArchiveDigest(plan.image(), signed.metadata());
            ImageMetadata m = signed.metadata();
            List<String> hv = m.compatibleHypervisors() == null ? List.of() : m.compatibleHypervisors();
            if (!hv.contains(plan.hypervisor())) {
                problems.add(new Problem("hypervisor.type", "image " + m.name() + " " + m.version() + " supports " + hv + ", not '"
                        + plan.hypervisor() + "'; choose a compatible hypervisor or image"));
            }
            return m;
        } catch (Exception e) {
            problems.add(new Problem("image.archive", "refused: " + e.getMessage()));
            return null;
        }
    }

    private static boolean ipv4(String field, String value, List<Problem> problems) {
        if (value == null) {
            return false;
        }
        if (!IPV4.matcher(value).matches()) {
            problems.add(new Problem(field, "'" + value + "' is not an IPv4 address"));
            return false;
        }
        return true;
    }

    private static boolean netmask(String mask, List<Problem> problems) {
        int m = NetworkProbe.toInt(bytes(mask));
        if (m == 0 || (~m & (~m + 1)) != 0) {
            problems.add(new Problem("cvm.netmask", mask + " is not a netmask (ones then zeros, e.g. 255.255.255.0)"));
            return false;
        }
        return true;
    }

    private static void inSubnet(String field, String ip, ClusterPlan plan, List<Problem> problems) {
        int mask = NetworkProbe.toInt(bytes(plan.netmask()));
        if ((NetworkProbe.toInt(bytes(ip)) & mask) != (NetworkProbe.toInt(bytes(plan.gateway())) & mask)) {
            problems.add(new Problem(field, ip + " is outside the subnet of gateway " + plan.gateway() + "/" + plan.netmask()));
        }
    }

    static byte[] bytes(String ip) {
        String[] p = ip.split("\\.");
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            b[i] = (byte) Integer.parseInt(p[i]);
        }
        return b;
    }
}
