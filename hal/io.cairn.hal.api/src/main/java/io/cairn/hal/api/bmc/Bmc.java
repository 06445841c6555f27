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
}
