package io.cairn.foundation;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.cairn.foundation.disks.NodeDisks;

/**
 * Makes simulated bare nodes for a dev or demo cluster on one machine: {@code DIR/node1..N}, each a
 * home (its "boot disk") with {@code node.json}: a serial number, its own block, position A and a
 * process BMC whose power on starts the node's controller from whatever image is installed
 * ({@code cairn node start --home H --no-install}: a bare node has nothing to boot and stays off)
 * and whose power off stops it, and data disks: sparse image files under {@code disks/} ({@code --disks},
 * default {@value NodeDisks#DEFAULT_SPEC}; imaging partitions them per the device layout). Existing nodes
 * are kept, so running it twice is safe.
 */
public final class BareNodes {

    private BareNodes() {
    }

    /** Creates (or keeps) {@code count} bare nodes under {@code dir}; returns their homes. */
    public static List<Path> create(Path dir, int count, String prefix, Path cairnRoot) {
        return create(dir, count, prefix, cairnRoot, "process", "none");
    }

    /**
     * As {@link #create(Path, int, String, Path)}, with BMCs of the given type: {@code process} (hal.sim's
     * process BMC) or {@code ipmi} (an {@code ipmi_sim} daemon per node, see {@link IpmiSimBmc}; the caller starts them).
     */
    public static List<Path> create(Path dir, int count, String prefix, Path cairnRoot, String bmcType, String disks) {
        List<Map.Entry<io.cairn.storage.api.layout.DiskKind, Long>> diskSpec = NodeDisks.parseSpec(disks);
        if (!bmcType.equals("process") && !bmcType.equals("ipmi")) {
            throw new FoundationException("--bmc must be process or ipmi, not '" + bmcType + "'");
        }
        if (count < 1 || count > 64) {
            throw new FoundationException("--count must be 1 to 64, not " + count);
        }
        Path cairn = cairnRoot.resolve("bin/cairn");
        if (!Files.isExecutable(cairn)) {
            throw new FoundationException(cairn + " is not there; the process BMC powers nodes on with it (set cairn.root)");
        }
        String tag = Integer.toHexString(dir.toAbsolutePath().normalize().toString().hashCode() & 0xfffff).toUpperCase(java.util.Locale.ROOT);
        List<Path> homes = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            Path home = dir.resolve(prefix + i).toAbsolutePath().normalize();
            homes.add(home);
            if (Files.isRegularFile(home.resolve(NodeHome.MANIFEST))) {
                continue;
            }
            Map<String, Object> bmc = new LinkedHashMap<>();
            if (bmcType.equals("ipmi")) {
                bmc = IpmiSimBmc.configure(home, cairn);
            } else {
            bmc.put("type", "process");
            bmc.put("start", List.of(cairn.toString(), "node", "start", "--home", home.toString(), "--no-install"));
            bmc.put("stop", List.of(cairn.toString(), "node", "stop", "--home", home.toString()));
            bmc.put("pid_file", "run/node.pid");
            bmc.put("log", "logs/bmc.log");
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("serial", "CRN-" + tag + "-" + i);
            m.put("block", "block-" + tag + "-" + i);
            m.put("position", "A");
            m.put("bmc", bmc);
            m.put("disks", NodeDisks.create(home, "CRN-" + tag + "-" + i, diskSpec));
            Json.write(home.resolve(NodeHome.MANIFEST), m);
        }
        return homes;
    }
}
