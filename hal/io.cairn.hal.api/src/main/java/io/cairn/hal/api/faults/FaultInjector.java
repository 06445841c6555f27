package io.cairn.hal.api.faults;

import java.util.List;
import java.util.Set;

import org.osgi.annotation.versioning.ProviderType;

/** Injects and clears faults on simulated devices at run time. Registered only by hal.sim. */
@ProviderType
public interface FaultInjector {

    /** Ids of the devices that accept faults. */
    Set<String> devices();

    /** Adds a fault; faults accumulate until cleared. Unknown device: {@link IllegalArgumentException}. */
    void inject(String deviceId, Fault fault);

    /** Removes every fault of the device; it behaves normally again. */
    void clear(String deviceId);

    List<Fault> active(String deviceId);
}
