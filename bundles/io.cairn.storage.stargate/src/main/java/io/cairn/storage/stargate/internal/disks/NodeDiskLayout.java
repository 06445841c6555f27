package io.cairn.storage.stargate.internal.disks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.cairn.common.error.CairnException;
import io.cairn.storage.api.layout.DiskKind;
import io.cairn.storage.api.layout.DiskLayout;
import io.cairn.storage.api.layout.DriveLayout;
import io.cairn.storage.api.layout.LayerExtent;
import io.cairn.storage.api.layout.NodeLayout;
import io.cairn.storage.api.layout.PhysicalDisk;

/**
 * A node's physical disks as the device layout (spec 10 §7) sees them, and that layout at the cluster's current
 * highest container RF. A node Foundation partitioned carries the layout it was partitioned with in
 * {@value #LAYOUT_FILE} (its disks' whole sizes and kinds); a node whose data disks are plain directories (dev nodes)
 * counts each data disk as one device of its tier and capacity. The layout is a pure function of these disks and the
 * RF, so it is recomputed for every view: raising a container to RF3 raises the OpLog ceiling shown at once (the
 * partitions themselves stay as written; {@code partitioned_for_rf} says for which RF they were cut).
 *
 * <p>Each Stargate publishes its node's disks in the Zeus document {@code stargate/layout/<node uuid>} (the
 * {@link #toJson} form) so that any node's Prism can show any node's layout.
 */
public record NodeDiskLayout(String source, int partitionedForRf, List<PhysicalDisk> disks) {

    /** Written by Foundation when it partitions a node (a {@link NodeLayout} as JSON). */
    public static final String LAYOUT_FILE = "etc/disk-layout.json";
    /** The Zeus document prefix: one document per node. */
    public static final String DOCUMENT_PREFIX = "stargate/layout";
    public static final String PARTITIONED = "partitioned";
    public static final String DIRECTORIES = "data directories";

    private static final ObjectMapper JSON = new ObjectMapper();

    public NodeDiskLayout {
        disks = List.copyOf(disks);
    }

    /** The Zeus document of one node. */
    public static String document(java.util.UUID node) {
        return DOCUMENT_PREFIX + "/" + node;
    }

    /** This node's disks: from {@value #LAYOUT_FILE} when Foundation partitioned it, else its data disks. */
    public static NodeDiskLayout of(Path home, List<LocalDisks.Disk> dataDisks) throws IOException {
        Path file = home.resolve(LAYOUT_FILE);
        if (Files.exists(file)) {
            JsonNode layout = JSON.readTree(file.toFile());
            List<PhysicalDisk> disks = new ArrayList<>();
            for (JsonNode d : layout.path("disks")) {
                disks.add(new PhysicalDisk(d.path("diskId").asText(), DiskKind.valueOf(d.path("kind").asText()), d.path("capacityBytes").asLong()));
            }
            return new NodeDiskLayout(PARTITIONED, layout.path("rfMax").asInt(2), disks);
        }
        List<PhysicalDisk> disks = dataDisks.stream().map(d -> new PhysicalDisk(d.id(), kind(d.tier()), d.capacityBytes())).toList();
        return new NodeDiskLayout(DIRECTORIES, 0, disks);
    }

    static DiskKind kind(String tier) {
        return switch (tier.toUpperCase(Locale.ROOT)) {
            case "HDD" -> DiskKind.HDD;
            case "NVME" -> DiskKind.NVME;
            default -> DiskKind.SSD;
        };
    }

    public byte[] toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode().put("source", source).put("partitioned_for_rf", partitionedForRf);
        ArrayNode a = o.putArray("disks");
        disks.forEach(d -> a.addObject().put("id", d.id()).put("kind", d.kind().name()).put("capacity_bytes", d.capacityBytes()));
        return o.toString().getBytes(StandardCharsets.UTF_8);
    }

    public static NodeDiskLayout fromJson(byte[] json) throws IOException {
        JsonNode o = JSON.readTree(json);
        List<PhysicalDisk> disks = new ArrayList<>();
        for (JsonNode d : o.path("disks")) {
            disks.add(new PhysicalDisk(d.path("id").asText(), DiskKind.valueOf(d.path("kind").asText()), d.path("capacity_bytes").asLong()));
        }
        return new NodeDiskLayout(o.path("source").asText(), o.path("partitioned_for_rf").asInt(), disks);
    }

    /** The RF the layout is computed for: the highest container RF, at least 2 (spec 10 §7: MaxRF is 2 or 3). */
    public static int layoutRf(int highestContainerRf) {
        return Math.min(3, Math.max(2, highestContainerRf));
    }

    /** {@link #layoutRf(int)} of these containers' highest RF (2 without containers). */
    public static int layoutRf(java.util.Collection<io.cairn.storage.api.stargate.Container> containers) {
        return layoutRf(containers.stream().mapToInt(io.cairn.storage.api.stargate.Container::replicationFactor).max().orElse(2));
    }

    /**
     * The layout at {@code rfMax} as JSON: {@code rf_max, oplog_devices, source, partitioned_for_rf, disks: [{id, kind,
     * capacity_bytes, layers: [{layer, offset_bytes, size_bytes}]}], warnings, text}. A node the layout cannot take (no
     * flash, a disk too small) answers with {@code error} (the reason) and no disks.
     */
    public ObjectNode view(int rfMax) {
        ObjectNode out = JsonNodeFactory.instance.objectNode().put("rf_max", rfMax).put("source", source)
                .put("partitioned_for_rf", partitionedForRf);
        StringBuilder text = new StringBuilder(String.format("Device layout at RF%d (%s%s):%n", rfMax, source,
                partitionedForRf > 0 ? ", partitioned for RF" + partitionedForRf : ""));
        NodeLayout plan;
        try {
            plan = DriveLayout.withDefaults().plan(disks, rfMax);
        } catch (CairnException e) {
            out.put("error", e.getMessage());
            out.putArray("disks");
            out.putArray("warnings");
            out.put("text", text.append("  ").append(e.getMessage()).append('\n').toString());
            return out;
        }
        out.put("oplog_devices", plan.oplogDevices());
        ArrayNode disksOut = out.putArray("disks");
        for (DiskLayout d : plan.disks()) {
            ObjectNode disk = disksOut.addObject().put("id", d.diskId()).put("kind", d.kind().name()).put("capacity_bytes", d.capacityBytes());
            ArrayNode layers = disk.putArray("layers");
            text.append(String.format("  %-12s %-6s %8d GiB:", d.diskId(), d.kind(), d.capacityBytes() >> 30));
            for (LayerExtent l : d.layers()) {
                layers.addObject().put("layer", l.layer().name()).put("offset_bytes", l.offsetBytes()).put("size_bytes", l.sizeBytes());
                text.append(String.format(" %s %d GiB", l.layer().name().toLowerCase(Locale.ROOT), l.sizeBytes() >> 30));
            }
            text.append('\n');
        }
        ArrayNode warnings = out.putArray("warnings");
        plan.warnings().forEach(w -> {
            warnings.add(w);
            text.append("  warning: ").append(w).append('\n');
        });
        out.put("text", text.toString());
        return out;
    }
}
