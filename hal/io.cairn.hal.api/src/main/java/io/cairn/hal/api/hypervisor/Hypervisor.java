package io.cairn.hal.api.hypervisor;

import java.io.IOException;

import org.osgi.annotation.versioning.ProviderType;

/** Starts and supervises guest processes on this host. */
@ProviderType
public interface Hypervisor {

    /** Starts a guest and connects to its monitor; fails with a message naming what QEMU refused. */
    Guest launch(MachineSpec spec) throws IOException;
}
