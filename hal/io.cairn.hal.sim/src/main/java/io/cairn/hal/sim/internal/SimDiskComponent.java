package io.cairn.hal.sim.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.cairn.common.clock.Clock;
import io.cairn.hal.api.BlockDevice;
import io.cairn.hal.api.DeviceIdentity;
import io.cairn.hal.api.DiskHealth;
import io.cairn.hal.api.DiskTier;

/**
 * One simulated disk per factory configuration of {@code io.cairn.hal.sim.disk}: a file of the
 * declared size and tier, registered as a {@link BlockDevice} with {@code hal.provider=sim}.
 */
@Component(configurationPid = SimDiskComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        property = BlockDevice.PROVIDER + "=sim")
@Designate(ocd = SimDiskComponent.Config.class, factory = true)
public final class SimDiskComponent implements BlockDevice {

    static final String PID = "io.cairn.hal.sim.disk";

    @ObjectClassDefinition(name = "Cairn simulated disk")
    public @interface Config {
        @AttributeDefinition(description = "Stable device id (also the hal.device.id service property)")
        String hal_device_id();

        @AttributeDefinition(description = "Backing file; created sparse at the declared size")
        String path();

        @AttributeDefinition(description = "NVME, SSD or HDD")
        DiskTier tier() default DiskTier.SSD;

        @AttributeDefinition(description = "Capacity in bytes (a multiple of the block size)")
        long size_bytes();

        @AttributeDefinition(description = "Logical and physical block size in bytes")
        int block_size() default 4096;
    }

    private final SimDisk disk;

    @Activate
    public SimDiskComponent(Config config, @Reference Clock clock) throws IOException {
        if (config.hal_device_id() == null || config.hal_device_id().isBlank() || config.path() == null) {
            throw new IllegalArgumentException("a sim disk configuration needs hal.device.id and path");
        }
        this.disk = new SimDisk(config.hal_device_id(), Path.of(config.path()), config.tier(), config.size_bytes(),
                config.block_size(), clock);
    }

    @Deactivate
    void deactivate() throws IOException {
        disk.close();
    }

    SimDisk disk() {
        return disk;
    }

    @Override
    public DeviceIdentity identity() {
        return disk.identity();
    }

    @Override
    public DiskTier tier() {
        return disk.tier();
    }

    @Override
    public long capacityBytes() {
        return disk.capacityBytes();
    }

    @Override
    public int logicalBlockSize() {
        return disk.logicalBlockSize();
    }

    @Override
    public int physicalBlockSize() {
        return disk.physicalBlockSize();
    }

    @Override
    public int read(long offset, ByteBuffer dst) throws IOException {
        return disk.read(offset, dst);
    }

    @Override
    public int write(long offset, ByteBuffer src) throws IOException {
        return disk.write(offset, src);
    }

    @Override
    public void flush() throws IOException {
        disk.flush();
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        disk.discard(offset, length);
    }

    @Override
    public DiskHealth health() {
        return disk.health();
    }
}
