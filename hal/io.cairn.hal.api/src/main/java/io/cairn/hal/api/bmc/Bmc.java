package io.cairn.hal.api.bmc;

import java.io.IOException;

import org.osgi.annotation.versioning.ProviderType;

/** A node's baseboard management controller: out-of-band power control. */
@ProviderType
public interface Bmc {

    /** Address the BMC is reached at (an IPMI endpoint, or a process id for simulated nodes). */
    String address();

    PowerState powerState() throws IOException;

    void powerOn() throws IOException;

    void powerOff() throws IOException;

    void powerCycle() throws IOException;

    /** The board's FRU inventory (manufacturer, product, serial, part number). */
    default FruInfo inventory() throws IOException {
        throw new UnsupportedOperationException(address() + " has no FRU inventory");
    }

    /** Sets the next boot device ({@code persistent}: for every boot, not just the next). */
    default void setBootDevice(BootDevice device, boolean persistent) throws IOException {
        throw new UnsupportedOperationException(address() + " cannot choose a boot device");
    }
}
