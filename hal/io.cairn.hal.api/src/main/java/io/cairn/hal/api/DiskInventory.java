package io.cairn.hal.api;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/** The devices a HAL provider found on this node. */
@ProviderType
public interface DiskInventory {

    List<BlockDevice> devices();

    default Optional<BlockDevice> device(String id) {
        return devices().stream().filter(d -> d.id().equals(id)).findFirst();
    }
}
