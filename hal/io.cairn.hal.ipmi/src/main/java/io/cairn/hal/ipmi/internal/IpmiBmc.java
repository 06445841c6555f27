package io.cairn.hal.ipmi.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;

import io.cairn.hal.api.bmc.Bmc;
import io.cairn.hal.api.bmc.BootDevice;
import io.cairn.hal.api.bmc.PowerState;

/** A BMC over IPMI 2.0 LAN (RMCP+, cipher suite 3); one authenticated session per call. */
final class IpmiBmc implements Bmc {

    private final InetSocketAddress address;
    private final String user;
    private final char[] password;
    private final Duration timeout;
    private final int retries;

    IpmiBmc(InetSocketAddress address, String user, char[] password, Duration timeout, int retries) {
        this.address = address;
        this.user = user;
        this.password = password.clone();
        this.timeout = timeout;
        this.retries = retries;
    }

    @Override
    public String address() {
        return "ipmi://" + address.getHostString() + ":" + address.getPort();
    }

    @Override
    public PowerState powerState() throws IOException {
        try (RmcpPlusSession s = session()) {
            byte[] status = s.command(RmcpPlusSession.NETFN_CHASSIS, 0x01, new byte[0]); // Get Chassis Status
            return status.length == 0 ? PowerState.UNKNOWN : (status[0] & 0x01) != 0 ? PowerState.ON : PowerState.OFF;
        }
    }

    @Override
    public void powerOn() throws IOException {
        chassisControl(0x01);
    }

    @Override
    public void powerOff() throws IOException {
        chassisControl(0x00);
    }

    @Override
    public void powerCycle() throws IOException {
        chassisControl(0x02);
    }

    @Override
    public void setBootDevice(BootDevice device, boolean persistent) throws IOException {
        byte flags = (byte) (0x80 | (persistent ? 0x40 : 0));
        try (RmcpPlusSession s = session()) {
            // Set System Boot Options, parameter 5 (boot flags)
            s.command(RmcpPlusSession.NETFN_CHASSIS, 0x08, new byte[] {0x05, flags, (byte) (device.code() << 2), 0, 0, 0});
        }
    }

    /** Validates the credentials by opening (and closing) a session. */
    void verify() throws IOException {
        session().close();
    }

    private void chassisControl(int action) throws IOException {
        try (RmcpPlusSession s = session()) {
            s.command(RmcpPlusSession.NETFN_CHASSIS, 0x02, new byte[] {(byte) action});
        }
    }

    private RmcpPlusSession session() throws IOException {
        return RmcpPlusSession.open(address, user, password, timeout, retries);
    }
}
