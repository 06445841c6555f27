package io.cairn.storage.stargate.internal.disks;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * This node's data disks. Each is a directory under {@code <home>/data/disks/} (a mounted file
 * system on a real node; a plain directory on a loopback dev node) with a {@code disk.json}
 * naming its id, tier and the capacity Stargate may use ({@code capacity_bytes}; 0: what the file
 * system has). A node with no disk gets one ({@code d0}) of the configured default capacity.
 *
 * <p>With {@code "hal_device": "<hal.device.id>"} the disk's data lives on that HAL
 * {@code BlockDevice} instead of in the directory (which then only describes the disk);
 * {@code capacity_bytes} 0 then means the device's size.
 */
public final class LocalDisks {

    /**
     * One data disk: where its files go (or its HAL device), and what it may hold.
     *
     * @param capacityBytes the configured capacity; for a device-backed disk 0 means the device's size
     * @param halDevice     the {@code hal.device.id} of the block device holding its data, or null (files in {@code dir})
     */
    public record Disk(String id, Path dir, String tier, long capacityBytes, String halDevice) {

        public Disk(String id, Path dir, String tier, long capacityBytes) {
            this(id, dir, tier, capacityBytes, null);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private LocalDisks() {
    }

    /** The disks under {@code root} (created with one default disk when there is none). */
    public static List<Disk> open(Path root, long defaultCapacityBytes) throws IOException {
        Files.createDirectories(root);
        List<Disk> disks = scan(root);
        if (disks.isEmpty()) {
            Path d0 = root.resolve("d0");
            Files.createDirectories(d0);
            long capacity = Math.min(defaultCapacityBytes, Files.getFileStore(d0).getUsableSpace());
            Files.writeString(d0.resolve("disk.json"), "{\"id\":\"d0\",\"tier\":\"SSD\",\"capacity_bytes\":" + capacity + "}\n");
            disks = scan(root);
        }
        return disks;
    }

    private static List<Disk> scan(Path root) throws IOException {
        List<Disk> out = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path dir : dirs) {
                Path meta = dir.resolve("disk.json");
                if (!Files.exists(meta)) {
                    continue;
                }
                JsonNode n;
                try {
                    n = JSON.readTree(meta.toFile());
                } catch (IOException e) {
                    throw new IOException("disk description " + meta + " is not valid JSON (" + e.getMessage()
                            + "); it needs {\"id\":..., \"tier\":\"SSD\", \"capacity_bytes\":...}", e);
                }
                String id = n.path("id").asText(dir.getFileName().toString());
                long capacity = n.path("capacity_bytes").asLong(0);
                String halDevice = n.hasNonNull("hal_device") ? n.get("hal_device").asText().trim() : null;
                if (halDevice != null && halDevice.isEmpty()) {
                    throw new IOException("disk description " + meta + " has an empty \"hal_device\"; give the device's hal.device.id, "
                            + "or leave it out for a disk whose data is files in " + dir);
                }
                if (capacity <= 0) {
                    capacity = halDevice != null ? 0 : Files.getFileStore(dir).getTotalSpace();
                }
                out.add(new Disk(id, dir, n.path("tier").asText("SSD"), capacity, halDevice));
            }
        }
        out.sort(java.util.Comparator.comparing(Disk::id));
        return out;
    }
}
