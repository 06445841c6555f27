package io.cairn.hal.sim.internal;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import io.cairn.hal.api.BlockDevice;
import io.cairn.hal.api.faults.Fault;
import io.cairn.hal.api.faults.FaultInjector;

/** Fault control for every simulated disk of this node. */
@Component
public final class SimFaultInjector implements FaultInjector {

    private final Map<String, SimDisk> disks = new ConcurrentHashMap<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(" + BlockDevice.PROVIDER + "=sim)")
    void addDisk(BlockDevice device) {
        if (device instanceof SimDisk sim) {
            disks.put(sim.id(), sim);
        }
    }

    void removeDisk(BlockDevice device) {
        disks.remove(device.id());
    }

    /** For tests and in-process use without DS. */
    void register(SimDisk disk) {
        disks.put(disk.id(), disk);
    }

    @Override
    public Set<String> devices() {
        return Set.copyOf(disks.keySet());
    }

    @Override
    public void inject(String deviceId, Fault fault) {
        disk(deviceId).faults().add(fault);
    }

    @Override
    public void clear(String deviceId) {
        disk(deviceId).faults().clear();
    }

    @Override
    public List<Fault> active(String deviceId) {
        return List.copyOf(disk(deviceId).faults());
    }

    private SimDisk disk(String id) {
        SimDisk d = disks.get(id);
        if (d == null) {
            throw new IllegalArgumentException("no simulated disk '" + id + "'; known: " + devices());
        }
        return d;
    }
}
