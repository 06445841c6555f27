package io.cairn.hal.api.bmc;

import java.net.Inet4Address;
import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A server's baseboard management controller: out-of-band power, boot device, sensors and inventory.
 * Every method talks to the BMC; failures are {@link BmcException}s whose reason says whether the
 * credentials, the network or the BMC is at fault.
 */
@ProviderType
public interface Bmc {

    /** Where the BMC is reached ({@code ipmi://host:port}, or {@code process:name} for a simulated server). */
    String address();

    PowerState powerState() throws BmcException;

    /** Powers the server on; a server already on stays as it is. */
    void powerOn() throws BmcException;

    /** Cuts the power at once (no operating-system shutdown); a server already off stays off. */
    void powerOff() throws BmcException;

    /** Powers off, then on again. */
    void powerCycle() throws BmcException;

    /** Pulses the reset line: the server restarts without losing power. */
    void reset() throws BmcException;

    /** Asks the operating system to shut down (ACPI soft-off) and returns without waiting for it. */
    void softOff() throws BmcException;

    /** Sets the device to boot from; {@code persistent}: for every boot, not just the next one. */
    void setBootDevice(BootDevice device, boolean persistent) throws BmcException;

    /** The boot device the BMC will use next ({@link BootDevice#NONE}: no override). */
    BootDevice bootDevice() throws BmcException;

    /** Every sensor with its current reading; empty if the BMC has none. */
    List<SensorReading> sensors() throws BmcException;

    /** The server's FRU inventory (manufacturer, product, serial and part numbers). */
    FruInfo inventory() throws BmcException;

    /**
     * The IPv4 address the BMC's own LAN port is configured with (its first LAN channel; 0.0.0.0 when
     * none is set). {@link BmcException.Reason#UNSUPPORTED} if the BMC has no configurable LAN port.
     */
    Inet4Address lanAddress() throws BmcException;

    /**
     * Configures the IPv4 address of the BMC's own LAN port (its first LAN channel) as a static address.
     * {@link BmcException.Reason#UNSUPPORTED} if the BMC has no configurable LAN port.
     */
    void setLanAddress(Inet4Address address) throws BmcException;
}
