package io.cairn.foundation;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import io.cairn.common.clock.Clock;
import io.cairn.foundation.disks.NodeDisks;
import io.cairn.hal.api.bmc.Bmc;
import io.cairn.hal.sim.internal.bmc.ProcessBmc;

/**
 * A node as Foundation sees it on this machine: its home directory stands for the node's boot disk
 * ({@code slots/}, {@code boot}, {@code data/}, {@code logs/}) and holds the hardware description
 * {@code node.json} (serial, block, position and how its BMC is reached). A <b>bare</b> node has only
 * that (and its disks); a <b>factory</b> node has an image installed ({@code boot}) and no cluster; a
 * <b>configured</b> node belongs to a cluster ({@code data/cluster/cluster.json}).
 */
public final class NodeHome {

    /** The hardware description, written when the (simulated) server is made. */
    public static final String MANIFEST = "node.json";
    /** Identity and addresses Foundation writes at imaging; the controller is started with them. */
    public static final String NETWORK = "etc/network.json";

    public enum State {
        BARE, FACTORY, CONFIGURED;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Path home;
    private final JsonNode manifest;

    private NodeHome(Path home, JsonNode manifest) {
        this.home = home;
        this.manifest = manifest;
    }

    /** Opens the node whose boot disk is {@code home}; refuses a directory that is no node. */
    public static NodeHome open(Path home) {
        Path abs = home.toAbsolutePath().normalize();
        Path m = abs.resolve(MANIFEST);
        if (!Files.isRegularFile(m)) {
            throw new FoundationException(abs + " is not a node: it has no " + MANIFEST
                    + " (make bare nodes with: foundation bare create --dir DIR --count N)");
        }
        JsonNode manifest = Json.read(m);
        for (String key : List.of("serial", "block", "position", "bmc")) {
            if (!manifest.hasNonNull(key)) {
                throw new FoundationException(m + " has no \"" + key + "\"; it must name serial, block, position and bmc");
            }
        }
        return new NodeHome(abs, manifest);
    }

    public Path home() {
        return home;
    }

    public String serial() {
        return manifest.get("serial").asText();
    }

    public String block() {
        return manifest.get("block").asText();
    }

    public String position() {
        return manifest.get("position").asText();
    }

    /** The node's data disks ({@code disks} of node.json); empty for a node whose data disk is a directory. */
    public List<NodeDisks.Disk> disks() {
        return NodeDisks.of(home, manifest);
    }

    public State state() {
        if (Files.exists(home.resolve("data/cluster/cluster.json"))) {
            return State.CONFIGURED;
        }
        return Files.exists(home.resolve("boot")) ? State.FACTORY : State.BARE;
    }

    /** The name of the cluster the node belongs to, if it is configured. */
    public Optional<String> clusterName() {
        Path f = home.resolve("data/cluster/cluster.json");
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(Json.MAPPER.readTree(Files.readAllBytes(f)).path("name").asText(null));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The address Foundation gave the node at imaging, if any. */
    public Optional<String> address() {
        Path f = home.resolve(NETWORK);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        JsonNode n = Json.read(f);
        return n.hasNonNull("ip") ? Optional.of(n.get("ip").asText()) : Optional.empty();
    }

    /** The address the node's controller runs with now ({@code run/ready} of a live process), if it runs. */
    public Optional<String> runningAddress() {
        Path ready = home.resolve("run/ready");
        try {
            if (!Files.isRegularFile(ready)) {
                return Optional.empty();
            }
            Map<String, String> kv = new LinkedHashMap<>();
            for (String line : Files.readAllLines(ready, StandardCharsets.UTF_8)) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    kv.put(line.substring(0, eq), line.substring(eq + 1).strip());
                }
            }
            long pid = Long.parseLong(kv.getOrDefault("pid", "-1"));
            boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
            return alive ? Optional.ofNullable(kv.get("address")) : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The image version in the active slot, if one is installed. */
    public Optional<String> installedVersion() {
        try {
            Path boot = home.resolve("boot");
            if (!Files.isRegularFile(boot)) {
                return Optional.empty();
            }
            String slot = Files.readString(boot, StandardCharsets.UTF_8).strip();
            Path meta = home.resolve("slots").resolve(slot).resolve("image.metadata.json");
            if (!Files.isRegularFile(meta)) {
                return Optional.empty();
            }
            JsonNode m = Json.MAPPER.readTree(Files.readAllBytes(meta));
            return Optional.of(m.path("name").asText() + " " + m.path("version").asText() + " " + m.path("sha256").asText());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Writes the node's identity and addresses ({@code etc/network.json}). */
    public void writeNetwork(Map<String, Object> network) {
        Json.write(home.resolve(NETWORK), new LinkedHashMap<>(network));
    }

    /** The node's BMC as its manifest describes it. */
    public Bmc bmc(Clock clock, BmcAccess ipmi) {
        JsonNode b = manifest.get("bmc");
        String type = b.path("type").asText();
        return switch (type) {
            case "process" -> new ProcessBmc(home.getFileName().toString(), strings(b.get("start"), "bmc.start"),
                    strings(b.get("stop"), "bmc.stop"), Optional.of(home.resolve(b.path("pid_file").asText("run/node.pid"))),
                    home.resolve(b.path("log").asText("logs/bmc.log")), Duration.ofSeconds(b.path("grace_seconds").asInt(150)), clock);
            case "ipmi" -> ipmi.connect(b.path("host").asText(), b.path("port").asInt(623), b.path("user").asText(),
                    home.resolve(b.path("password_file").asText("bmc/password")));
            default -> throw new FoundationException(home.resolve(MANIFEST) + ": bmc.type must be \"process\" or \"ipmi\", not \""
                    + type + "\"");
        };
    }

    private List<String> strings(JsonNode array, String what) {
        List<String> out = new ArrayList<>();
        if (array != null && array.isArray()) {
            array.forEach(n -> out.add(n.asText()));
        } else if (array != null && !array.isNull()) {
            throw new FoundationException(home.resolve(MANIFEST) + ": " + what + " must be a list of strings");
        }
        return out;
    }

    /** Opens IPMI BMCs (the IPMI provider). */
    @FunctionalInterface
    public interface BmcAccess {
        Bmc connect(String host, int port, String user, Path passwordFile);
    }
}
