package io.cairn.hal.sim.internal;

import java.io.IOException;
import java.nio.file.Path;

import io.cairn.common.clock.ManualClock;
import io.cairn.hal.api.BlockDevice;
import io.cairn.hal.api.DiskTier;
import io.cairn.hal.api.faults.FaultInjector;

/**
 * Test access to hal.sim's simulated disk without OSGi: {@code SimDisk} and {@code SimFaultInjector}
 * are package-private implementation of that bundle, reached from this same package on the test
 * class path only (never from Stargate's main code, which sees nothing but {@code io.cairn.hal.api}).
 */
public final class SimDisks {

    private SimDisks() {
    }

    /** A 4 KiB-block SSD of {@code capacityBytes} over the sparse file {@code image} (created if missing). */
    public static BlockDevice open(String deviceId, Path image, long capacityBytes) throws IOException {
        return new SimDisk(deviceId, image, DiskTier.SSD, capacityBytes, 4096, new ManualClock());
    }

    public static void close(BlockDevice device) throws IOException {
        ((SimDisk) device).close();
    }

    /** A fault injector for {@code devices} (simulated disks from {@link #open}). */
    public static FaultInjector faults(BlockDevice... devices) {
        SimFaultInjector injector = new SimFaultInjector();
        for (BlockDevice d : devices) {
            injector.register((SimDisk) d);
        }
        return injector;
    }
}
