package io.cairn.hal.sim.internal;

import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import io.cairn.hal.api.BlockDevice;
import io.cairn.hal.api.DiskInventory;

/** The node's simulated disks. */
@Component(property = BlockDevice.PROVIDER + "=sim")
public final class SimDiskInventory implements DiskInventory {

    private final List<BlockDevice> devices = new CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(" + BlockDevice.PROVIDER + "=sim)")
    void addDevice(BlockDevice device) {
        devices.add(device);
    }

    void removeDevice(BlockDevice device) {
        devices.remove(device);
    }

    @Override
    public List<BlockDevice> devices() {
        return devices.stream().sorted(Comparator.comparing(BlockDevice::id)).toList();
    }
}
