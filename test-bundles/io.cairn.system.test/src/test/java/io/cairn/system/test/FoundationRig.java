package io.cairn.system.test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** What the Foundation system tests share: a loopback cluster's form, running bin/foundation, and cleaning up process-BMC nodes. */
final class FoundationRig {

    static final ObjectMapper JSON = new ObjectMapper();

    private FoundationRig() {
    }

    /**
     * The form of cluster {@code name} (fault tolerance 1, virtual IP {@code vip}, netmask 255.0.0.0 and gateway
     * 127.0.0.1, the built image) with nodes {@code node1..} at {@code ips}, admin directory {@code admin}.
     */
    static ObjectNode form(String name, String vip, List<String> ips) {
        ObjectNode f = JSON.createObjectNode();
        f.putObject("cluster").put("name", name).put("ip", vip).put("fault_tolerance", 1);
        f.putObject("cvm").put("netmask", "255.0.0.0").put("gateway", "127.0.0.1");
        f.putObject("hypervisor").put("type", "kvm").put("hostname_prefix", name);
        f.putObject("image").put("archive", Proc.builtArchive().toString()).put("trust", Proc.ROOT.resolve(".signing").toString());
        f.put("admin", "admin");
        ArrayNode nodes = f.putArray("nodes");
        for (int i = 0; i < ips.size(); i++) {
            nodes.addObject().put("home", "node" + (i + 1)).put("cvm_ip", ips.get(i));
        }
        return f;
    }

    /** {@code bin/foundation ARGS} in {@code work} with {@code env} added. */
    static Proc foundation(Path work, Duration timeout, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Proc.ROOT.resolve("bin/foundation").toString());
        cmd.addAll(List.of(args));
        return Proc.run(timeout, work, env, cmd);
    }

    /**
     * Powers the nodes of {@code config} off, kills what their process BMCs did not stop (by the nodes' own
     * pid files, nodes {@code node1..node<count>} of {@code work}) and copies their logs to {@code target/<logs>}.
     */
    static void tearDown(Path work, Path config, int count, String logs, String tag) throws Exception {
        if (config != null) {
            Proc off = foundation(work, Duration.ofSeconds(120), Map.of(), "power", "off", "--config", config.toString());
            System.out.println("[" + tag + "] power off: " + off.output().strip());
        }
        for (int i = 1; i <= count; i++) {
            Path pid = work.resolve("node" + i + "/run/node.pid");
            if (Files.exists(pid)) {
                ProcessHandle.of(Long.parseLong(Files.readString(pid).strip())).ifPresent(ProcessHandle::destroyForcibly);
            }
            if (Files.isDirectory(work.resolve("node" + i))) {
                Proc.cairn(Duration.ofSeconds(30), "redirector", "stop", "--home", work.resolve("node" + i).toString());
            }
        }
        Path dir = Files.createDirectories(Path.of("target", logs));
        for (int i = 1; i <= count; i++) {
            for (String name : List.of("controller.log", "bmc.log")) {
                Path log = work.resolve("node" + i + "/logs/" + name);
                if (Files.exists(log)) {
                    Files.copy(log, dir.resolve("n" + i + "-" + name), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
