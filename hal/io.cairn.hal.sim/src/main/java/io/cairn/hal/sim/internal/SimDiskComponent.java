package io.cairn.hal.sim.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Hashtable;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
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
import io.cairn.hal.api.DiskTier;

/**
 * One simulated disk per factory configuration of {@code io.cairn.hal.sim.disk}: a file of the
 * declared size and tier, registered as a {@link BlockDevice} with {@code hal.provider=sim}.
 */
@Component(service = {}, configurationPid = SimDiskComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = SimDiskComponent.Config.class, factory = true)
public final class SimDiskComponent {

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
    private final ServiceRegistration<BlockDevice> registration;

    @Activate
    public SimDiskComponent(BundleContext context, Config config, @Reference Clock clock) throws IOException {
        if (config.hal_device_id() == null || config.hal_device_id().isBlank() || config.path() == null) {
            throw new IllegalArgumentException("a sim disk configuration needs hal.device.id and path");
        }
        this.disk = new SimDisk(config.hal_device_id(), Path.of(config.path()), config.tier(), config.size_bytes(),
                config.block_size(), clock);
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(BlockDevice.PROVIDER, "sim");
        props.put(BlockDevice.DEVICE_ID, disk.id());
        this.registration = context.registerService(BlockDevice.class, disk, props);
    }

    @Deactivate
    void deactivate() throws IOException {
        registration.unregister();
        disk.close();
    }
}
