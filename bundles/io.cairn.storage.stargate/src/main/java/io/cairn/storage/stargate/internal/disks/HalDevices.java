package io.cairn.storage.stargate.internal.disks;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import io.cairn.common.clock.Clock;
import io.cairn.hal.api.BlockDevice;

/**
 * The HAL block devices of this node as they come and go (a whiteboard of {@link BlockDevice}
 * services by {@value BlockDevice#DEVICE_ID}), for data disks whose {@code disk.json} names a
 * {@code hal_device}. A provider may register its devices after Stargate starts: {@link #await}
 * waits a bounded time for them, and {@link Listener}s hear of every later arrival and departure.
 */
@Component(service = HalDevices.class)
public final class HalDevices {

    /** Told of devices arriving and leaving (called on the registering thread: hand work off). */
    public interface Listener {
        void added(BlockDevice device);

        void removed(String deviceId);
    }

    private final Map<String, BlockDevice> devices = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addDevice(BlockDevice device, Map<String, Object> properties) {
        String id = idOf(device, properties);
        devices.put(id, device);
        listeners.forEach(l -> l.added(device));
    }

    void removeDevice(BlockDevice device, Map<String, Object> properties) {
        String id = idOf(device, properties);
        if (devices.remove(id, device)) {
            listeners.forEach(l -> l.removed(id));
        }
    }

    private static String idOf(BlockDevice device, Map<String, Object> properties) {
        Object id = properties.get(BlockDevice.DEVICE_ID);
        return id != null ? id.toString() : device.id();
    }

    /** The device with this {@code hal.device.id} now, or null. */
    public BlockDevice get(String deviceId) {
        return devices.get(deviceId);
    }

    /** The devices present now. */
    public Collection<BlockDevice> all() {
        return List.copyOf(devices.values());
    }

    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    public void removeListener(Listener listener) {
        listeners.remove(listener);
    }

    /**
     * Waits until every device in {@code ids} is present or {@code timeout} of {@code clock}'s time
     * has passed (polling every 100 ms). Returns the ids still missing (empty: all present).
     */
    public Set<String> await(Set<String> ids, Duration timeout, Clock clock) throws InterruptedException {
        long deadline = clock.nanoTime() + timeout.toNanos();
        while (true) {
            Set<String> missing = new TreeSet<>(ids);
            missing.removeIf(devices::containsKey);
            if (missing.isEmpty() || clock.nanoTime() - deadline >= 0) {
                return missing;
            }
            clock.sleep(Duration.ofMillis(100));
        }
    }
}
