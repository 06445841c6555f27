package io.cairn.storage.stargate.internal.estore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.cairn.hal.api.BlockDevice;
import io.cairn.hal.api.faults.FaultInjector;
import io.cairn.hal.sim.internal.SimDisks;
import io.cairn.storage.api.local.LocalMetadataStore;

/**
 * Where a test's extent-store disks keep their data: {@link #files() directories} or
 * {@link #devices hal.sim block devices} over sparse image files next to each disk's root, so one
 * test suite runs against both backends. Tampering (bit rot, a torn write) goes to the replica's
 * bytes on the medium, bypassing the store.
 */
abstract class Medium implements AutoCloseable {

    /** Directory disks: one file per egroup. */
    static Medium files() {
        return new Medium() {
            @Override
            DiskSpec spec(String id, Path root, long capacityBytes) {
                return new DiskSpec(id, root, capacityBytes);
            }

            @Override
            Path image(LocalMetadataStore metadata, Path root, long egroupId) {
                return TestData.egroupFile(root, egroupId);
            }

            @Override
            long base(LocalMetadataStore metadata, long egroupId) {
                return 0;
            }

            @Override
            boolean hasData(LocalMetadataStore metadata, Path root, long egroupId) {
                return Files.exists(TestData.egroupFile(root, egroupId));
            }
        };
    }

    /** Device-backed disks: each a hal.sim {@code SimDisk} of {@code deviceBytes} over {@code <root>.img}. */
    static Devices devices(long deviceBytes) {
        return new Devices(deviceBytes);
    }

    /** The spec of a disk on this medium (for devices: creates the device on first use, kept across store reopens). */
    abstract DiskSpec spec(String id, Path root, long capacityBytes);

    /** The file holding the egroup's bytes: its egroup file, or the device's image. */
    abstract Path image(LocalMetadataStore metadata, Path root, long egroupId);

    /** Where the egroup's byte 0 is in {@link #image}. */
    abstract long base(LocalMetadataStore metadata, long egroupId);

    /** Whether the medium holds the egroup's data (its file exists; a device: its record names a slot). */
    abstract boolean hasData(LocalMetadataStore metadata, Path root, long egroupId);

    /** Opens a store on {@code specs} with this medium's devices. */
    ExtentStore open(LocalMetadataStore metadata, List<DiskSpec> specs, DiskFailureListener listener) {
        return ExtentStore.open(metadata, specs, listener, System::nanoTime, System::currentTimeMillis, id -> null);
    }

    void flipByte(LocalMetadataStore metadata, Path root, long egroupId, long position) throws IOException {
        TestData.flipByte(image(metadata, root, egroupId), base(metadata, egroupId) + position);
    }

    void overwrite(LocalMetadataStore metadata, Path root, long egroupId, long position, byte[] data) throws IOException {
        TestData.overwrite(image(metadata, root, egroupId), base(metadata, egroupId) + position, data);
    }

    boolean isDevice() {
        return false;
    }

    @Override
    public void close() throws IOException {
    }

    /** hal.sim block devices, one per disk id. */
    static final class Devices extends Medium {
        final long deviceBytes;
        final Map<String, BlockDevice> byHalId = new LinkedHashMap<>();
        final Map<Path, Path> imageByRoot = new LinkedHashMap<>();

        Devices(long deviceBytes) {
            this.deviceBytes = deviceBytes;
        }

        static String halId(String diskId) {
            return "sim-" + diskId;
        }

        @Override
        DiskSpec spec(String id, Path root, long capacityBytes) {
            byHalId.computeIfAbsent(halId(id), h -> {
                Path image = root.resolveSibling(root.getFileName() + ".img");
                imageByRoot.put(root, image);
                try {
                    return SimDisks.open(h, image, deviceBytes);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            return DiskSpec.onDevice(id, root, capacityBytes, halId(id));
        }

        BlockDevice device(String diskId) {
            return byHalId.get(halId(diskId));
        }

        FaultInjector faults() {
            return SimDisks.faults(byHalId.values().toArray(BlockDevice[]::new));
        }

        @Override
        ExtentStore open(LocalMetadataStore metadata, List<DiskSpec> specs, DiskFailureListener listener) {
            return ExtentStore.open(metadata, specs, listener, System::nanoTime, System::currentTimeMillis, byHalId::get);
        }

        @Override
        Path image(LocalMetadataStore metadata, Path root, long egroupId) {
            return imageByRoot.get(root);
        }

        @Override
        long base(LocalMetadataStore metadata, long egroupId) {
            return DeviceBackend.offset(slot(metadata, egroupId));
        }

        static int slot(LocalMetadataStore metadata, long egroupId) {
            return EgroupRecord.decode(egroupId, metadata.get(EgroupRecord.key(egroupId)).orElseThrow()).slot();
        }

        @Override
        boolean hasData(LocalMetadataStore metadata, Path root, long egroupId) {
            return metadata.get(EgroupRecord.key(egroupId)).isPresent();
        }

        @Override
        boolean isDevice() {
            return true;
        }

        @Override
        public void close() throws IOException {
            for (BlockDevice d : byHalId.values()) {
                SimDisks.close(d);
            }
            byHalId.clear();
        }
    }
}
