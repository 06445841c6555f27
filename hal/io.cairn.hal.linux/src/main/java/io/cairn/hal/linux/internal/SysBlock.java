package io.cairn.hal.linux.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import io.cairn.hal.api.DiskTier;

/** What /sys/class/block says about a block device. */
record SysBlock(String name, long sizeBytes, int logicalBlockSize, int physicalBlockSize, boolean rotational, String serial,
        String model, String wwn) {

    static Optional<SysBlock> of(Path device, Path sysRoot) throws IOException {
        Path real = device.toRealPath();
        if (!real.startsWith("/dev/")) {
            return Optional.empty();
        }
        String name = real.getFileName().toString();
        Path dir = sysRoot.resolve("class/block").resolve(name);
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        Path queue = Files.isDirectory(dir.resolve("queue")) ? dir.resolve("queue") : dir.resolve("../queue");
        return Optional.of(new SysBlock(name, Long.parseLong(read(dir.resolve("size"), "0")) * 512,
                Integer.parseInt(read(queue.resolve("logical_block_size"), "512")),
                Integer.parseInt(read(queue.resolve("physical_block_size"), "512")),
                read(queue.resolve("rotational"), "0").equals("1"), read(dir.resolve("device/serial"), ""),
                read(dir.resolve("device/model"), ""), read(dir.resolve("wwid"), read(dir.resolve("device/wwid"), ""))));
    }

    DiskTier tier() {
        return name.startsWith("nvme") ? DiskTier.NVME : rotational ? DiskTier.HDD : DiskTier.SSD;
    }

    private static String read(Path p, String fallback) {
        try {
            return Files.readString(p).strip();
        } catch (IOException e) {
            return fallback;
        }
    }
}
