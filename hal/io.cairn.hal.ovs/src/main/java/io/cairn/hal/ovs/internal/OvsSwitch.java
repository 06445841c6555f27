package io.cairn.hal.ovs.internal;

import static io.cairn.hal.ovs.internal.OvsdbClient.F;
import static io.cairn.hal.ovs.internal.OvsdbClient.insert;
import static io.cairn.hal.ovs.internal.OvsdbClient.map;
import static io.cairn.hal.ovs.internal.OvsdbClient.mutate;
import static io.cairn.hal.ovs.internal.OvsdbClient.namedUuid;
import static io.cairn.hal.ovs.internal.OvsdbClient.select;
import static io.cairn.hal.ovs.internal.OvsdbClient.set;
import static io.cairn.hal.ovs.internal.OvsdbClient.update;
import static io.cairn.hal.ovs.internal.OvsdbClient.uuid;
import static io.cairn.hal.ovs.internal.OvsdbClient.where;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.cairn.hal.api.vswitch.BondSpec;
import io.cairn.hal.api.vswitch.PortInfo;
import io.cairn.hal.api.vswitch.PortSpec;
import io.cairn.hal.api.vswitch.VirtualSwitch;

/** {@link VirtualSwitch} over OVSDB (configuration) and {@code ovs-ofctl} (OpenFlow 1.4 bundles). */
final class OvsSwitch implements VirtualSwitch, AutoCloseable {

    private static final ArrayNode ALL = F.arrayNode();
    private final OvsdbClient db;
    private final Path runDir;
    private final Duration timeout;

    OvsSwitch(Path dbSocket, Path runDir, Duration timeout) throws IOException {
        this.db = new OvsdbClient(dbSocket, timeout);
        this.runDir = runDir;
        this.timeout = timeout;
    }

    @Override
    public void close() throws IOException {
        db.close();
    }

    @Override
    public void createBridge(String bridge) throws IOException {
        requireName(bridge, "bridge");
        if (bridgeUuid(bridge).isPresent()) {
            throw new IllegalArgumentException("bridge " + bridge + " already exists");
        }
        ObjectNode br = F.objectNode().put("name", bridge).put("datapath_type", "netdev");
        br.set("ports", namedUuid("p"));
        br.set("protocols", set(List.of(F.textNode("OpenFlow10"), F.textNode("OpenFlow13"), F.textNode("OpenFlow14"))));
        db.transact(List.of(
                insert("Interface", "i", F.objectNode().put("name", bridge).put("type", "internal")),
                insert("Port", "p", (ObjectNode) F.objectNode().put("name", bridge).set("interfaces", namedUuid("i"))),
                insert("Bridge", "b", br),
                mutate("Open_vSwitch", ALL, "bridges", "insert", set(List.of(namedUuid("b"))))));
        awaitMgmtSocket(bridge);
    }

    @Override
    public void deleteBridge(String bridge) throws IOException {
        String id = bridgeUuid(bridge).orElseThrow(() -> unknownBridge(bridge));
        db.transact(List.of(mutate("Open_vSwitch", ALL, "bridges", "delete", set(List.of(uuid(id))))));
    }

    @Override
    public List<String> bridges() throws IOException {
        List<String> out = new ArrayList<>();
        rows(db.transact(List.of(select("Bridge", ALL, "name"))).get(0)).forEach(r -> out.add(r.get("name").asText()));
        return out.stream().sorted().toList();
    }

    @Override
    public void addPort(String bridge, PortSpec port) throws IOException {
        requireName(port.name(), "port");
        requireNewPort(bridge, port.name());
        ObjectNode iface = F.objectNode().put("name", port.name()).put("type", ovsType(port.type()));
        if (!port.options().isEmpty()) {
            iface.set("options", map(port.options()));
        }
        ObjectNode p = F.objectNode().put("name", port.name());
        p.set("interfaces", namedUuid("i"));
        if (port.tag() != null) {
            p.put("tag", port.tag());
        }
        if (!port.trunks().isEmpty()) {
            p.set("trunks", set(port.trunks().stream().map(F::numberNode).toList()));
        }
        db.transact(List.of(insert("Interface", "i", iface), insert("Port", "p", p),
                mutate("Bridge", where("name", bridge), "ports", "insert", set(List.of(namedUuid("p"))))));
    }

    @Override
    public void addBond(String bridge, BondSpec bond) throws IOException {
        requireName(bond.name(), "bond");
        requireNewPort(bridge, bond.name());
        List<ObjectNode> ops = new ArrayList<>();
        List<JsonNode> ifaces = new ArrayList<>();
        for (int i = 0; i < bond.members().size(); i++) {
            ops.add(insert("Interface", "m" + i, F.objectNode().put("name", bond.members().get(i))));
            ifaces.add(namedUuid("m" + i));
        }
        ObjectNode p = F.objectNode().put("name", bond.name()).put("bond_mode", bond.mode().ovsName())
                .put("lacp", bond.lacp().name().toLowerCase(Locale.ROOT));
        p.set("interfaces", set(ifaces));
        ops.add(insert("Port", "p", p));
        ops.add(mutate("Bridge", where("name", bridge), "ports", "insert", set(List.of(namedUuid("p")))));
        db.transact(ops);
    }

    @Override
    public void deletePort(String bridge, String port) throws IOException {
        bridgeUuid(bridge).orElseThrow(() -> unknownBridge(bridge));
        String portUuid = portsOf(bridge).get(port);
        if (portUuid == null) {
            throw new IllegalArgumentException("bridge " + bridge + " has no port " + port);
        }
        db.transact(List.of(mutate("Bridge", where("name", bridge), "ports", "delete", set(List.of(uuid(portUuid))))));
    }

    @Override
    public List<PortInfo> ports(String bridge) throws IOException {
        Map<String, String> byName = portsOf(bridge);
        Set<String> wanted = Set.copyOf(byName.values());
        ArrayNode r = db.transact(List.of(select("Port", ALL, "_uuid", "name", "interfaces", "tag", "trunks", "bond_mode"),
                select("Interface", ALL, "_uuid", "name", "type")));
        Map<String, String[]> ifaces = new HashMap<>();
        rows(r.get(1)).forEach(i -> ifaces.put(i.get("_uuid").get(1).asText(),
                new String[] {i.get("name").asText(), i.get("type").asText()}));
        List<PortInfo> out = new ArrayList<>();
        for (JsonNode p : rows(r.get(0))) {
            if (!wanted.contains(p.get("_uuid").get(1).asText())) {
                continue;
            }
            List<String> names = new ArrayList<>();
            String type = "";
            for (JsonNode u : atoms(p.get("interfaces"))) {
                String[] i = ifaces.get(u.get(1).asText());
                names.add(i[0]);
                type = i[1];
            }
            List<JsonNode> tag = atoms(p.get("tag"));
            List<Integer> trunks = atoms(p.get("trunks")).stream().map(JsonNode::asInt).sorted().toList();
            List<JsonNode> bond = atoms(p.get("bond_mode"));
            out.add(new PortInfo(p.get("name").asText(), names, type, tag.isEmpty() ? null : tag.get(0).asInt(), trunks,
                    bond.isEmpty() ? null : bond.get(0).asText()));
        }
        return out.stream().sorted((a, b) -> a.name().compareTo(b.name())).toList();
    }

    @Override
    public void addMirror(String bridge, String mirror, String outputPort) throws IOException {
        String out = portsOf(bridge).get(outputPort);
        if (out == null) {
            throw new IllegalArgumentException("bridge " + bridge + " has no port " + outputPort + " to mirror to");
        }
        ObjectNode m = F.objectNode().put("name", mirror).put("select_all", true);
        m.set("output_port", uuid(out));
        db.transact(List.of(insert("Mirror", "m", m),
                mutate("Bridge", where("name", bridge), "mirrors", "insert", set(List.of(namedUuid("m"))))));
    }

    @Override
    public void setIpfix(String bridge, String target) throws IOException {
        bridgeUuid(bridge).orElseThrow(() -> unknownBridge(bridge));
        if (!target.matches("[^:\\s]+:\\d{1,5}")) {
            throw new IllegalArgumentException("IPFIX target '" + target + "' must be host:port");
        }
        ObjectNode ipfix = F.objectNode();
        ipfix.set("targets", set(List.of(F.textNode(target))));
        db.transact(List.of(insert("IPFIX", "x", ipfix),
                update("Bridge", where("name", bridge), (ObjectNode) F.objectNode().set("ipfix", namedUuid("x")))));
    }

    @Override
    public void replaceFlows(String bridge, List<String> flows) throws IOException {
        ofctl(bridge, "--bundle", "replace-flows", flows);
    }

    @Override
    public void addFlows(String bridge, List<String> flows) throws IOException {
        ofctl(bridge, "--bundle", "add-flows", flows);
    }

    @Override
    public List<String> dumpFlows(String bridge) throws IOException {
        bridgeUuid(bridge).orElseThrow(() -> unknownBridge(bridge));
        String out = run(List.of("ovs-ofctl", "-O", "OpenFlow14", "--no-stats", "dump-flows", mgmt(bridge)), null);
        return out.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("OFPST_FLOW")).toList();
    }

    private void ofctl(String bridge, String bundle, String command, List<String> flows) throws IOException {
        bridgeUuid(bridge).orElseThrow(() -> unknownBridge(bridge));
        Path file = Files.createTempFile(runDir, "flows", ".txt");
        try {
            Files.write(file, flows, StandardCharsets.UTF_8);
            run(List.of("ovs-ofctl", "-O", "OpenFlow14", bundle, command, mgmt(bridge), file.toString()), flows);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private String mgmt(String bridge) {
        return "unix:" + runDir.resolve(bridge + ".mgmt");
    }

    private String run(List<String> cmd, List<String> flows) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException(cmd.get(3) + " did not finish within " + timeout.toSeconds() + " s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalArgumentException("ovs-ofctl rejected the flows" + (flows == null ? "" : " " + flows) + ": "
                        + out.strip());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new java.io.InterruptedIOException("interrupted running ovs-ofctl");
        }
    }

    private void awaitMgmtSocket(String bridge) throws IOException {
        Path sock = runDir.resolve(bridge + ".mgmt");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(sock)) {
            if (System.nanoTime() > deadline) {
                throw new IOException("ovs-vswitchd did not create bridge " + bridge + " within " + timeout.toSeconds()
                        + " s (no " + sock + "); is ovs-vswitchd running with OVS_RUNDIR=" + runDir + "?");
            }
            Thread.onSpinWait();
        }
    }

    private Optional<String> bridgeUuid(String bridge) throws IOException {
        List<JsonNode> r = rows(db.transact(List.of(select("Bridge", where("name", bridge), "_uuid"))).get(0));
        return r.isEmpty() ? Optional.empty() : Optional.of(r.get(0).get("_uuid").get(1).asText());
    }

    /** Port name → port uuid for the bridge's ports. */
    private Map<String, String> portsOf(String bridge) throws IOException {
        List<JsonNode> br = rows(db.transact(List.of(select("Bridge", where("name", bridge), "ports"))).get(0));
        if (br.isEmpty()) {
            throw unknownBridge(bridge);
        }
        Set<String> uuids = new java.util.HashSet<>();
        atoms(br.get(0).get("ports")).forEach(u -> uuids.add(u.get(1).asText()));
        Map<String, String> out = new HashMap<>();
        for (JsonNode p : rows(db.transact(List.of(select("Port", ALL, "_uuid", "name"))).get(0))) {
            String id = p.get("_uuid").get(1).asText();
            if (uuids.contains(id)) {
                out.put(p.get("name").asText(), id);
            }
        }
        return out;
    }

    private void requireNewPort(String bridge, String port) throws IOException {
        if (portsOf(bridge).containsKey(port)) {
            throw new IllegalArgumentException("bridge " + bridge + " already has a port " + port);
        }
    }

    private static IllegalArgumentException unknownBridge(String bridge) {
        return new IllegalArgumentException("no bridge " + bridge + " on this switch");
    }

    private static void requireName(String name, String what) {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,14}")) {
            throw new IllegalArgumentException(what + " name '" + name + "' must be 1-15 letters, digits, '.', '_' or '-'");
        }
    }

    private static String ovsType(PortSpec.PortType t) {
        return t == PortSpec.PortType.SYSTEM ? "" : t.name().toLowerCase(Locale.ROOT);
    }

    static List<JsonNode> rows(JsonNode result) {
        List<JsonNode> out = new ArrayList<>();
        result.path("rows").forEach(out::add);
        return out;
    }

    /** The members of an OVSDB set value: {@code ["set",[a,b]]} or a single atom. */
    static List<JsonNode> atoms(JsonNode value) {
        List<JsonNode> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        if (value.isArray() && value.size() == 2 && "set".equals(value.get(0).asText())) {
            value.get(1).forEach(out::add);
        } else {
            out.add(value);
        }
        return out;
    }
}
