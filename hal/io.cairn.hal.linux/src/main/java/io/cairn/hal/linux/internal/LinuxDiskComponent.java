package io.cairn.hal.linux.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Hashtable;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.cairn.hal.api.BlockDevice;
import io.cairn.hal.api.DiskTier;

/**
 * One real device per factory configuration of {@code io.cairn.hal.linux.disk}: a block device
 * (geometry and identity from sysfs) or a preallocated file, opened O_DIRECT and registered as a
 * {@link BlockDevice} with {@code hal.provider=linux}.
 */
@Component(service = {}, configurationPid = LinuxDiskComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = LinuxDiskComponent.Config.class, factory = true)
public final class LinuxDiskComponent {

    static final String PID = "io.cairn.hal.linux.disk";

    @ObjectClassDefinition(name = "Cairn Linux disk")
    public @interface Config {
        @AttributeDefinition(description = "Block device (/dev/...) or file to use")
        String path();

        @AttributeDefinition(description = "Stable id; block devices default to their WWN or model-serial", required = false)
        String hal_device_id() default "";

        @AttributeDefinition(description = "NVME, SSD or HDD; block devices default to what sysfs says", required = false)
        String tier() default "";

        @AttributeDefinition(description = "Size of a file-backed device in bytes", required = false)
        long size_bytes() default 0;

        @AttributeDefinition(description = "Block size of a file-backed device", required = false)
        int block_size() default 4096;

        @AttributeDefinition(description = "Where this device starts in path, in bytes: a partition of a disk "
                + "(size.bytes long; nothing is allocated). 0: the whole file or device", required = false)
        long offset_bytes() default 0;
    }

    private final LinuxBlockDevice device;
    private final ServiceRegistration<BlockDevice> registration;

    @Activate
    public LinuxDiskComponent(BundleContext context, Config config) throws IOException {
        DiskTier tier = config.tier().isBlank() ? null : DiskTier.valueOf(config.tier().strip().toUpperCase());
        this.device = config.offset_bytes() > 0
                ? LinuxBlockDevice.openRegion(config.hal_device_id(), Path.of(config.path()), tier, config.offset_bytes(),
                        config.size_bytes(), config.block_size(), Path.of("/sys"))
                : LinuxBlockDevice.open(config.hal_device_id(), Path.of(config.path()), tier, config.size_bytes(),
                        config.block_size(), Path.of("/sys"));
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(BlockDevice.PROVIDER, "linux");
        props.put(BlockDevice.DEVICE_ID, device.id());
        this.registration = context.registerService(BlockDevice.class, device, props);
    }

    @Deactivate
    void deactivate() throws IOException {
        registration.unregister();
        device.close();
    }
}
