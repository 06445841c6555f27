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

    /** {@code java -cp <io.cairn.image and its libraries> io.cairn.image.ImageTool ARGS} in {@code work}. */
    static Proc imageTool(Path work, Duration timeout, String... args) throws Exception {
        Path tool = Proc.ROOT.resolve("appliance-image/io.cairn.image/target");
        String cp;
        try (var jars = Files.list(tool)) {
            cp = jars.filter(j -> j.getFileName().toString().matches("io\\.cairn\\.image-.*\\.jar") && !j.toString().endsWith("-tests.jar"))
                    .findFirst().orElseThrow() + ":" + tool.resolve("lib") + "/*";
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", cp,
                "io.cairn.image.ImageTool"));
        cmd.addAll(List.of(args));
        return Proc.run(timeout, work, Map.of(), cmd);
    }

    /**
     * An image of another version ({@code version}, e.g. an older one) assembled and signed with the build's key from
     * the same bundles and tools as the built appliance image, into {@code out}; returns its archive.
     */
    static Path otherVersionImage(Path out, String version) throws Exception {
        Path target = Proc.ROOT.resolve("appliance-image/target");
        Files.createDirectories(out);
        Proc assemble = imageTool(out, Duration.ofMinutes(3), "assemble", "--bndrun", Proc.ROOT.resolve("appliance-image/appliance.bndrun").toString(),
                "--bundles", target.resolve("export/appliance").toString(),
                "--framework", target.resolve("image-inputs/org.apache.felix.framework.jar").toString(),
                "--launcher", target.resolve("image-inputs/io.cairn.launcher.jar").toString(), "--version", version,
                "--tools", target.resolve("tools").toString(), "--key", Proc.ROOT.resolve(".signing/dev-release-ed25519.key").toString(),
                "--out", out.toString());
        if (assemble.exitCode() != 0) {
            throw new IllegalStateException("assembling an image of version " + version + " failed:\n" + assemble.output());
        }
        return out.resolve("cairn-appliance-" + version + ".tar.gz");
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
