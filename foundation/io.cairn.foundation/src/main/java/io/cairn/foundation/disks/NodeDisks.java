package io.cairn.foundation.disks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import io.cairn.common.error.CairnException;
import io.cairn.foundation.FoundationException;
import io.cairn.foundation.Json;
import io.cairn.storage.api.layout.DiskKind;
import io.cairn.storage.api.layout.DiskLayout;
import io.cairn.storage.api.layout.DriveLayout;
import io.cairn.storage.api.layout.Layer;
import io.cairn.storage.api.layout.LayerExtent;
import io.cairn.storage.api.layout.NodeLayout;
import io.cairn.storage.api.layout.PhysicalDisk;

/**
 * A node's data disks and their partitioning per the device layout (spec 10 §7). A simulated node's
 * disks are sparse image files listed in its {@code node.json} ({@code "disks": [{"serial", "kind",
 * "path", "size_bytes"}]}, paths relative to the node's home). Imaging a bare node writes a GPT on
 * each disk with one partition per layer of {@link DriveLayout#plan} ({@code cairn-home},
 * {@code cairn-metadata}, {@code cairn-oplog}, {@code cairn-curator}, {@code cairn-estore}), the
 * layout's "formatted capacity" being what the table leaves usable. Then it tells the node where its
 * extent store lives: for each disk a hal.linux device over the {@code cairn-estore} partition
 * ({@code etc/config/io.cairn.hal.linux.disk~<serial>.json}) and a Stargate data disk on it
 * ({@code data/disks/<serial>/disk.json}), and the whole layout in {@code etc/disk-layout.json}.
 *
 * <p>The Home, metadata, OpLog and Curator partitions are reserved, not yet used: the controller's
 * home, Medusa's metadata and the OpLog still live in the node's home directory (the boot disk),
 * because putting them on raw partitions needs file systems mounted there, which a simulated node
 * on one machine (no root for each node, no loop devices of its own) does not have.
 */
public final class NodeDisks {

    /** One data disk of a node. */
    public record Disk(String serial, DiskKind kind, Path image, long sizeBytes) {
    }

    /** What partitioning found or did on one disk. */
    public record Result(String serial, boolean written, List<Gpt.Partition> partitions) {
    }

    /** The layout file a partitioned node carries. */
    public static final String LAYOUT_FILE = "etc/disk-layout.json";
    /** Default disks of a simulated bare node: two 256 GiB SSDs (sparse). */
    public static final String DEFAULT_SPEC = "ssd:2x256G";

    private static final Pattern SPEC = Pattern.compile("(?i)(nvme|ssd|hdd):(\\d+)x(\\d+)([MGT])");

    private NodeDisks() {
    }

    /**
     * Parses a disk specification such as {@code ssd:2x1T,hdd:2x4T} (kind, count, size with M, G
     * or T binary units); "none" is no disks.
     */
    public static List<Map.Entry<DiskKind, Long>> parseSpec(String spec) {
        List<Map.Entry<DiskKind, Long>> out = new ArrayList<>();
        if (spec.equalsIgnoreCase("none")) {
            return out;
        }
        for (String part : spec.split(",")) {
            Matcher m = SPEC.matcher(part.strip());
            if (!m.matches()) {
                throw new FoundationException("--disks '" + part.strip() + "' is not KIND:COUNTxSIZE (e.g. ssd:2x256G,hdd:2x4T; "
                        + "KIND nvme, ssd or hdd; SIZE in M, G or T), or 'none'");
            }
            int count = Integer.parseInt(m.group(2));
            long unit = switch (m.group(4).toUpperCase(Locale.ROOT)) {
                case "M" -> 1L << 20;
                case "G" -> 1L << 30;
                default -> 1L << 40;
            };
            long size = Long.parseLong(m.group(3)) * unit;
            if (count < 1 || count > 24 || size < (64L << 20)) {
                throw new FoundationException("--disks '" + part.strip() + "': give 1 to 24 disks of at least 64M each");
            }
            for (int i = 0; i < count; i++) {
                out.add(Map.entry(DiskKind.valueOf(m.group(1).toUpperCase(Locale.ROOT)), size));
            }
        }
        return out;
    }

    /** Creates the sparse disk images of a new bare node; returns their manifest entries. */
    public static List<Map<String, Object>> create(Path home, String serialPrefix, List<Map.Entry<DiskKind, Long>> disks) {
        List<Map<String, Object>> out = new ArrayList<>();
        Map<DiskKind, Integer> perKind = new LinkedHashMap<>();
        for (Map.Entry<DiskKind, Long> d : disks) {
            int n = perKind.merge(d.getKey(), 1, Integer::sum) - 1;
            String name = d.getKey().name().toLowerCase(Locale.ROOT) + n;
            Path image = home.resolve("disks").resolve(name + ".img");
            try {
                Files.createDirectories(image.getParent());
                try (FileChannel c = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    c.write(ByteBuffer.allocate(1), d.getValue() - 1); // sparse: the size, no blocks
                }
            } catch (IOException e) {
                throw new FoundationException("cannot create disk image " + image + ": " + e.getMessage());
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("serial", serialPrefix + "-" + name.toUpperCase(Locale.ROOT));
            m.put("kind", d.getKey().name());
            m.put("path", "disks/" + name + ".img");
            m.put("size_bytes", d.getValue());
            out.add(m);
        }
        return out;
    }

    /** The disks {@code manifest} (a node.json) lists, images resolved against {@code home}. */
    public static List<Disk> of(Path home, JsonNode manifest) {
        List<Disk> out = new ArrayList<>();
        JsonNode disks = manifest.path("disks");
        if (disks.isMissingNode() || disks.isNull()) {
            return out;
        }
        Path m = home.resolve("node.json");
        if (!disks.isArray()) {
            throw new FoundationException(m + ": \"disks\" must be a list of {\"serial\", \"kind\", \"path\", \"size_bytes\"}");
        }
        for (int i = 0; i < disks.size(); i++) {
            JsonNode d = disks.get(i);
            for (String key : List.of("serial", "kind", "path", "size_bytes")) {
                if (!d.hasNonNull(key)) {
                    throw new FoundationException(m + ": disks[" + i + "] has no \"" + key + "\"");
                }
            }
            DiskKind kind;
            try {
                kind = DiskKind.valueOf(d.get("kind").asText().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new FoundationException(m + ": disks[" + i + "].kind must be NVME, OPTANE, SSD or HDD, not \""
                        + d.get("kind").asText() + "\"");
            }
            out.add(new Disk(d.get("serial").asText(), kind, home.resolve(d.get("path").asText()).normalize(),
                    d.get("size_bytes").asLong()));
        }
        return out;
    }

    /**
     * The node's layout for {@code rfMax}: each disk's formatted capacity is its size less the
     * partition table's areas. A node that cannot be laid out (no flash, a disk too small) is a
     * {@link CairnException} naming the disk and what it needs.
     */
    public static NodeLayout plan(List<Disk> disks, int rfMax) {
        List<PhysicalDisk> physical = disks.stream()
                .map(d -> new PhysicalDisk(d.serial(), d.kind(), formatted(d.sizeBytes())))
                .toList();
        return DriveLayout.withDefaults().plan(physical, rfMax);
    }

    /** Usable bytes of a disk of {@code sizeBytes} once partitioned. */
    public static long formatted(long sizeBytes) {
        return Math.max(0, sizeBytes - Gpt.firstUsableByte() - Gpt.reservedAtEnd());
    }

    /** The GPT a disk gets for its layout. */
    public static Gpt.Table table(Disk disk, DiskLayout layout) {
        List<Gpt.Partition> parts = new ArrayList<>();
        for (LayerExtent l : layout.layers()) {
            String name = partitionName(l.layer());
            parts.add(new Gpt.Partition(name, Gpt.firstUsableByte() + l.offsetBytes(), l.sizeBytes(), Gpt.LINUX_DATA,
                    UUID.nameUUIDFromBytes((disk.serial() + "/" + name).getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        }
        return new Gpt.Table(UUID.nameUUIDFromBytes(disk.serial().getBytes(java.nio.charset.StandardCharsets.UTF_8)), parts);
    }

    public static String partitionName(Layer layer) {
        return switch (layer) {
            case HOME -> "cairn-home";
            case METADATA -> "cairn-metadata";
            case OPLOG -> "cairn-oplog";
            case CURATOR -> "cairn-curator";
            case EXTENT_STORE -> "cairn-estore";
        };
    }

    /**
     * Whether every disk already carries its table for {@code rfMax} and the node its disk
     * configuration (nothing for {@link #partition} to do).
     */
    public static boolean done(Path home, List<Disk> disks, int rfMax) {
        try {
            NodeLayout layout = plan(disks, rfMax);
            for (int i = 0; i < disks.size(); i++) {
                Disk disk = disks.get(i);
                if (!Gpt.read(disk.image()).map(table(disk, layout.disks().get(i))::equals).orElse(false)
                        || !Files.isRegularFile(home.resolve("etc/config/io.cairn.hal.linux.disk~" + disk.serial() + ".json"))
                        || !Files.isRegularFile(home.resolve("data/disks").resolve(disk.serial()).resolve("disk.json"))) {
                    return false;
                }
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Partitions every disk of the node at {@code home} per its layout for {@code rfMax} (a disk
     * whose table is already that one is left as it is: re-running is safe) and writes the node's
     * disk configuration. Returns what happened per disk.
     */
    public static List<Result> partition(Path home, List<Disk> disks, int rfMax) throws IOException {
        NodeLayout layout = plan(disks, rfMax);
        List<Result> results = new ArrayList<>();
        for (int i = 0; i < disks.size(); i++) {
            Disk disk = disks.get(i);
            if (!Files.isRegularFile(disk.image()) || Files.size(disk.image()) != disk.sizeBytes()) {
                throw new FoundationException("disk " + disk.serial() + ": " + disk.image() + " is missing or not "
                        + disk.sizeBytes() + " bytes as node.json says");
            }
            Gpt.Table want = table(disk, layout.disks().get(i));
            Optional<Gpt.Table> have;
            try {
                have = Gpt.read(disk.image());
            } catch (IOException e) {
                have = Optional.empty(); // a damaged table is replaced
            }
            boolean write = have.isEmpty() || !have.get().equals(want);
            if (write) {
                Gpt.write(disk.image(), disk.sizeBytes(), want);
            }
            results.add(new Result(disk.serial(), write, want.partitions()));
        }
        writeConfiguration(home, disks, layout);
        return results;
    }

    private static void writeConfiguration(Path home, List<Disk> disks, NodeLayout layout) throws IOException {
        Path config = Files.createDirectories(home.resolve("etc/config"));
        for (int i = 0; i < disks.size(); i++) {
            Disk disk = disks.get(i);
            DiskLayout l = layout.disks().get(i);
            LayerExtent estore = l.layers().getLast();
            String device = disk.serial() + "-estore";
            Map<String, Object> hal = new LinkedHashMap<>();
            hal.put("hal.device.id", device);
            hal.put("path", disk.image().toString());
            hal.put("tier", disk.kind() == DiskKind.HDD ? "HDD" : disk.kind() == DiskKind.SSD ? "SSD" : "NVME");
            hal.put("offset.bytes", Gpt.firstUsableByte() + estore.offsetBytes());
            hal.put("size.bytes", estore.sizeBytes());
            Json.write(config.resolve("io.cairn.hal.linux.disk~" + disk.serial() + ".json"), hal);
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("id", disk.serial());
            data.put("tier", hal.get("tier"));
            data.put("hal_device", device);
            Json.write(home.resolve("data/disks").resolve(disk.serial()).resolve("disk.json"), data);
        }
        Json.write(home.resolve(LAYOUT_FILE), layout);
    }
}
