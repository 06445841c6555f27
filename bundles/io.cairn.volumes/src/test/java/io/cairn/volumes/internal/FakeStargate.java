package io.cairn.volumes.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.cairn.storage.api.stargate.Container;
import io.cairn.storage.api.stargate.ContainerSpec;
import io.cairn.storage.api.stargate.Stargate;
import io.cairn.storage.api.stargate.StargateException;
import io.cairn.storage.api.stargate.StoragePool;
import io.cairn.storage.api.stargate.VDisk;
import io.cairn.storage.api.stargate.VDiskIo;

/** Test-only: one container {@value #CONTAINER}, vDisks in a map, I/O on sparse RAM (only what is written is kept). */
final class FakeStargate implements Stargate {

    static final String CONTAINER = "ctr1";
    private final UUID container = UUID.randomUUID();
    final Map<UUID, VDisk> vdisks = new ConcurrentHashMap<>();
    final Map<UUID, Map<Long, byte[]>> blocks = new ConcurrentHashMap<>();

    @Override
    public StoragePool pool() {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<Container> containers() {
        return List.of(new Container(container, CONTAINER, 2, 0, 0, 0, vdisks.size()));
    }

    @Override
    public Optional<Container> container(String name) {
        return containers().stream().filter(c -> c.name().equals(name)).findFirst();
    }

    @Override
    public Container createContainer(ContainerSpec spec) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void deleteContainer(String name) {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<VDisk> vdisks(String containerName) {
        return new ArrayList<>(vdisks.values());
    }

    @Override
    public List<VDisk> vdisks() {
        return new ArrayList<>(vdisks.values());
    }

    @Override
    public Optional<VDisk> vdisk(UUID vdisk) {
        return Optional.ofNullable(vdisks.get(vdisk));
    }

    @Override
    public Optional<VDisk> vdisk(String containerName, String name) {
        return vdisks.values().stream().filter(v -> v.name().equals(name)).findFirst();
    }

    @Override
    public VDisk createVDisk(String containerName, String name, long sizeBytes) {
        if (vdisk(containerName, name).isPresent()) {
            throw new StargateException(StargateException.Reason.ALREADY_EXISTS, "vDisk " + name + " exists");
        }
        VDisk v = new VDisk(UUID.randomUUID(), name, container, containerName, sizeBytes, 2, null, 0);
        vdisks.put(v.uuid(), v);
        blocks.put(v.uuid(), new ConcurrentHashMap<>());
        return v;
    }

    @Override
    public VDisk resizeVDisk(UUID vdisk, long sizeBytes) {
        VDisk v = vdisks.get(vdisk);
        VDisk n = new VDisk(v.uuid(), v.name(), v.container(), v.containerName(), sizeBytes, v.replicationFactor(), v.owner(), v.createdMillis());
        vdisks.put(vdisk, n);
        return n;
    }

    @Override
    public void deleteVDisk(UUID vdisk) {
        vdisks.remove(vdisk);
        blocks.remove(vdisk);
    }

    @Override
    public VDiskIo open(UUID vdisk) {
        Map<Long, byte[]> data = blocks.get(vdisk);
        return new VDiskIo() {
            @Override
            public VDisk vdisk() {
                return vdisks.get(vdisk);
            }

            @Override
            public void read(long offset, ByteBuffer dst) {
                while (dst.hasRemaining()) {
                    byte[] b = data.get(offset / 512);
                    dst.put(b == null ? new byte[512] : b);
                    offset += 512;
                }
            }

            @Override
            public void write(long offset, ByteBuffer src, boolean fua) {
                while (src.hasRemaining()) {
                    byte[] b = new byte[512];
                    src.get(b);
                    data.put(offset / 512, b);
                    offset += 512;
                }
            }

            @Override
            public void writeZeroes(long offset, long length) {
                for (long o = offset; o < offset + length; o += 512) {
                    data.remove(o / 512);
                }
            }

            @Override
            public void trim(long offset, long length) {
                writeZeroes(offset, length);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
    }
}
