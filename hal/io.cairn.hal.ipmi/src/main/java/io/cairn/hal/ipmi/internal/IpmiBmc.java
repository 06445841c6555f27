package io.cairn.hal.ipmi.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;

import io.cairn.hal.api.bmc.Bmc;
import io.cairn.hal.api.bmc.BootDevice;
import io.cairn.hal.api.bmc.FruInfo;
import io.cairn.hal.api.bmc.PowerState;

/** A BMC over IPMI 2.0 LAN (RMCP+, cipher suite 3); one authenticated session per call. */
final class IpmiBmc implements Bmc {

    private static final int NETFN_STORAGE = 0x0A;

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

    @Override
    public FruInfo inventory() throws IOException {
        try (RmcpPlusSession s = session()) {
            byte[] info = s.command(NETFN_STORAGE, 0x10, new byte[] {0}); // Get FRU Inventory Area Info, FRU 0
            int size = (info[0] & 0xFF) | (info[1] & 0xFF) << 8;
            byte[] fru = new byte[size];
            for (int off = 0; off < size;) {
                int want = Math.min(16, size - off);
                byte[] r = s.command(NETFN_STORAGE, 0x11, new byte[] {0, (byte) off, (byte) (off >> 8), (byte) want});
                int got = r[0] & 0xFF;
                if (got == 0) {
                    throw new IOException(address() + ": FRU read returned no data at offset " + off);
                }
                System.arraycopy(r, 1, fru, off, got);
                off += got;
            }
            return Fru.parse(fru);
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
