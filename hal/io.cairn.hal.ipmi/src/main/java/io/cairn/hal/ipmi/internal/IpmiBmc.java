package io.cairn.hal.ipmi.internal;

import static io.cairn.hal.ipmi.internal.RmcpPlusSession.BMC_ADDRESS;
import static io.cairn.hal.ipmi.internal.RmcpPlusSession.NETFN_CHASSIS;
import static io.cairn.hal.ipmi.internal.RmcpPlusSession.NETFN_SENSOR;
import static io.cairn.hal.ipmi.internal.RmcpPlusSession.NETFN_STORAGE;

import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.cairn.common.clock.Clock;
import io.cairn.hal.api.bmc.Bmc;
import io.cairn.hal.api.bmc.BmcException;
import io.cairn.hal.api.bmc.BmcException.Reason;
import io.cairn.hal.api.bmc.BootDevice;
import io.cairn.hal.api.bmc.FruInfo;
import io.cairn.hal.api.bmc.PowerState;
import io.cairn.hal.api.bmc.SensorReading;

/** A BMC over IPMI 2.0 LAN (RMCP+, cipher suite 3); each operation runs in its own authenticated session. */
final class IpmiBmc implements Bmc {

    /** Bounds on what a BMC can make us read, so a faulty one cannot keep us looping. */
    private static final int MAX_SDR_RECORDS = 1024;
    private static final int MAX_FRU_BYTES = 64 * 1024;
    private static final int SDR_CHUNK = 16;

    private final InetSocketAddress address;
    private final String user;
    private final char[] password;
    private final Privilege privilege;
    private final Duration timeout;
    private final int retries;
    private final Clock clock;

    IpmiBmc(InetSocketAddress address, String user, char[] password, Privilege privilege, Duration timeout, int retries,
            Clock clock) {
        this.address = address;
        this.user = user;
        this.password = password.clone();
        this.privilege = privilege;
        this.timeout = timeout;
        this.retries = retries;
        this.clock = clock;
    }

    @Override
    public String address() {
        return "ipmi://" + address.getHostString() + ":" + address.getPort();
    }

    @Override
    public PowerState powerState() throws BmcException {
        try (RmcpPlusSession s = session()) {
            byte[] status = s.command(NETFN_CHASSIS, 0x01, new byte[0]); // Get Chassis Status
            return status.length == 0 ? PowerState.UNKNOWN : (status[0] & 0x01) != 0 ? PowerState.ON : PowerState.OFF;
        }
    }

    @Override
    public void powerOn() throws BmcException {
        chassisControl(0x01, "power on");
    }

    @Override
    public void powerOff() throws BmcException {
        chassisControl(0x00, "power off");
    }

    @Override
    public void powerCycle() throws BmcException {
        chassisControl(0x02, "power cycle");
    }

    @Override
    public void reset() throws BmcException {
        chassisControl(0x03, "hard reset");
    }

    @Override
    public void softOff() throws BmcException {
        chassisControl(0x05, "soft shutdown");
    }

    private void chassisControl(int action, String what) throws BmcException {
        try (RmcpPlusSession s = session()) {
            s.command(NETFN_CHASSIS, 0x02, new byte[] {(byte) action}); // Chassis Control
        } catch (IpmiCommandException e) {
            throw new BmcException(e.reason(), address() + ": " + what + " refused: " + e.getMessage()
                    + (e.completionCode() == 0xCC ? "; the BMC has no power control for this action" : ""), e);
        }
    }

    @Override
    public void setBootDevice(BootDevice device, boolean persistent) throws BmcException {
        int flags = 0x80 | (persistent ? 0x40 : 0); // boot flags valid; persistent or next boot only
        try (RmcpPlusSession s = session()) {
            // Set System Boot Options, parameter 5 (boot flags)
            s.command(NETFN_CHASSIS, 0x08, new byte[] {0x05, (byte) flags, (byte) (device.code() << 2), 0, 0, 0});
        }
    }

    /**
     * The boot device selector of boot flags parameter 5, read whether or not the BMC marks the flags valid
     * (as ipmitool and ironic do: several BMCs, ipmi_sim included, never set the valid bit).
     */
    @Override
    public BootDevice bootDevice() throws BmcException {
        byte[] r;
        try (RmcpPlusSession s = session()) {
            r = s.command(NETFN_CHASSIS, 0x09, new byte[] {0x05, 0, 0}); // Get System Boot Options
        }
        if (r.length < 4) {
            throw new BmcException(Reason.PROTOCOL, address() + ": short boot flags answer (" + r.length + " bytes)");
        }
        int selector = (r[3] >> 2) & 0x0F;
        return switch (selector) {
            case 0x0 -> BootDevice.NONE;
            case 0x1 -> BootDevice.PXE;
            case 0x2, 0x3 -> BootDevice.DISK;
            case 0x5 -> BootDevice.CDROM;
            case 0x6 -> BootDevice.BIOS;
            default -> throw new BmcException(Reason.UNSUPPORTED, address() + ": boot device selector 0x"
                    + Integer.toHexString(selector) + " (remote or OEM media) has no Cairn boot device");
        };
    }

    /** The LAN channel whose configuration {@link #lanAddress()} and {@link #setLanAddress} use. */
    static final int LAN_CHANNEL = 1;
    private static final int NETFN_TRANSPORT = 0x0C;
    private static final int LAN_IP_ADDRESS = 3;
    private static final int LAN_IP_SOURCE = 4;

    /** Get LAN Configuration Parameters, parameter 3 (IP address) of channel 1. */
    @Override
    public Inet4Address lanAddress() throws BmcException {
        byte[] r;
        try (RmcpPlusSession s = session()) {
            r = s.command(NETFN_TRANSPORT, 0x02, new byte[] {LAN_CHANNEL, LAN_IP_ADDRESS, 0, 0});
        } catch (IpmiCommandException e) {
            throw lanRefused(e, "reading");
        }
        if (r.length < 5) {
            throw new BmcException(Reason.PROTOCOL, address() + ": short LAN IP address answer (" + r.length + " bytes)");
        }
        try {
            return (Inet4Address) InetAddress.getByAddress(java.util.Arrays.copyOfRange(r, 1, 5));
        } catch (UnknownHostException e) {
            throw new BmcException(Reason.PROTOCOL, address() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Set LAN Configuration Parameters on channel 1: parameter 4 (address source) static, then
     * parameter 3 (IP address). A BMC without parameter 4 (completion code 0x80) still gets the address.
     */
    @Override
    public void setLanAddress(Inet4Address ip) throws BmcException {
        byte[] a = ip.getAddress();
        try (RmcpPlusSession s = session()) {
            try {
                s.command(NETFN_TRANSPORT, 0x01, new byte[] {LAN_CHANNEL, LAN_IP_SOURCE, 0x01});
            } catch (IpmiCommandException e) {
                if (e.completionCode() != 0x80) {
                    throw e;
                }
            }
            s.command(NETFN_TRANSPORT, 0x01, new byte[] {LAN_CHANNEL, LAN_IP_ADDRESS, a[0], a[1], a[2], a[3]});
        } catch (IpmiCommandException e) {
            throw lanRefused(e, "setting " + ip.getHostAddress() + " as");
        }
    }

    private BmcException lanRefused(IpmiCommandException e, String what) {
        boolean unsupported = e.completionCode() == 0x80 || e.completionCode() == 0xC1 || e.completionCode() == 0xCC;
        return new BmcException(unsupported ? Reason.UNSUPPORTED : e.reason(), address() + ": " + what
                + " the LAN IP address (channel " + LAN_CHANNEL + ") refused: " + e.getMessage(), e);
    }

    @Override
    public List<SensorReading> sensors() throws BmcException {
        try (RmcpPlusSession s = session()) {
            List<SensorReading> out = new ArrayList<>();
            for (SdrRecord r : sdrs(s)) {
                out.add(read(s, r));
            }
            return List.copyOf(out);
        }
    }

    private SensorReading read(RmcpPlusSession s, SdrRecord r) throws BmcException {
        if ((r.ownerId() & 0x01) != 0 || r.ownerId() != BMC_ADDRESS) {
            return SensorDecoder.unavailable(r, "owned by controller 0x" + Integer.toHexString(r.ownerId())
                    + "; bridged reading is not supported");
        }
        try {
            return SensorDecoder.decode(r, s.command(NETFN_SENSOR, r.lun(), 0x2D, new byte[] {(byte) r.number()}, retries));
        } catch (IpmiCommandException e) {
            return SensorDecoder.unavailable(r, IpmiCommandException.meaning(e.completionCode()));
        }
    }

    /** Every sensor record of the SDR repository, read in 16-byte pieces under a reservation. */
    private List<SdrRecord> sdrs(RmcpPlusSession s) throws BmcException {
        List<SdrRecord> records = new ArrayList<>();
        int reservation = reserveSdr(s);
        int id = 0;
        for (int n = 0; n < MAX_SDR_RECORDS && id != 0xFFFF; n++) {
            byte[] record;
            int next;
            try {
                byte[] head = getSdr(s, reservation, id, 0, 5);
                next = (head[0] & 0xFF) | (head[1] & 0xFF) << 8;
                ByteArrayOutputStream r = new ByteArrayOutputStream();
                r.write(head, 2, head.length - 2);
                int length = 5 + (head.length >= 7 ? head[6] & 0xFF : 0);
                while (r.size() < length) {
                    byte[] part = getSdr(s, reservation, id, r.size(), Math.min(SDR_CHUNK, length - r.size()));
                    if (part.length <= 2) {
                        break;
                    }
                    r.write(part, 2, part.length - 2);
                }
                record = r.toByteArray();
            } catch (IpmiCommandException e) {
                if (e.completionCode() == 0xC5 && n < MAX_SDR_RECORDS - 1) { // reservation lost: reserve again, re-read
                    reservation = reserveSdr(s);
                    continue;
                }
                if (e.completionCode() == 0xCB && n == 0) { // empty repository
                    return records;
                }
                throw e;
            }
            SdrRecord.parse(record).ifPresent(records::add);
            if (next == id) {
                break;
            }
            id = next;
        }
        return records;
    }

    private static int reserveSdr(RmcpPlusSession s) throws BmcException {
        try {
            byte[] r = s.command(NETFN_STORAGE, 0x22, new byte[0]); // Reserve SDR Repository
            return r.length >= 2 ? (r[0] & 0xFF) | (r[1] & 0xFF) << 8 : 0;
        } catch (IpmiCommandException e) {
            return 0; // reservations are optional for whole-record reads
        }
    }

    private static byte[] getSdr(RmcpPlusSession s, int reservation, int id, int offset, int count) throws BmcException {
        return s.command(NETFN_STORAGE, 0x23, new byte[] {(byte) reservation, (byte) (reservation >> 8), (byte) id,
            (byte) (id >> 8), (byte) offset, (byte) count}); // Get SDR
    }

    @Override
    public FruInfo inventory() throws BmcException {
        try (RmcpPlusSession s = session()) {
            byte[] info;
            try {
                info = s.command(NETFN_STORAGE, 0x10, new byte[] {0}); // Get FRU Inventory Area Info, device 0
            } catch (IpmiCommandException e) {
                throw new BmcException(Reason.UNSUPPORTED, address() + " has no FRU inventory device 0: " + e.getMessage(), e);
            }
            int size = Math.min(MAX_FRU_BYTES, (info[0] & 0xFF) | (info[1] & 0xFF) << 8);
            boolean words = info.length > 2 && (info[2] & 0x01) != 0;
            ByteArrayOutputStream fru = new ByteArrayOutputStream();
            int chunk = 32;
            while (fru.size() < size) {
                int offset = words ? fru.size() / 2 : fru.size();
                int count = Math.min(chunk, size - fru.size());
                byte[] r;
                try {
                    r = s.command(NETFN_STORAGE, 0x11, new byte[] {0, (byte) offset, (byte) (offset >> 8),
                        (byte) (words ? (count + 1) / 2 : count)}); // Read FRU Data
                } catch (IpmiCommandException e) {
                    if ((e.completionCode() == 0xC7 || e.completionCode() == 0xC8 || e.completionCode() == 0xCA) && chunk > 8) {
                        chunk /= 2; // the BMC wants smaller pieces
                        continue;
                    }
                    throw e;
                }
                int got = r.length > 0 ? Math.min((r[0] & 0xFF) * (words ? 2 : 1), r.length - 1) : 0;
                if (got <= 0) {
                    break;
                }
                fru.write(r, 1, got);
            }
            return FruParser.parse(fru.toByteArray(), address());
        }
    }

    /** Validates the credentials by opening (and closing) a session. */
    void verify() throws BmcException {
        session().close();
    }

    private RmcpPlusSession session() throws BmcException {
        return RmcpPlusSession.open(address, user, password, privilege, timeout, retries, clock);
    }

    @Override
    public String toString() {
        return address();
    }
}
