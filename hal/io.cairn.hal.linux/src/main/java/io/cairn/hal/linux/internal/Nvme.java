package io.cairn.hal.linux.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * NVMe admin commands through {@code NVME_IOCTL_ADMIN_CMD}: encoding of {@code struct
 * nvme_admin_cmd} (Linux uapi, 72 bytes) and decoding of Identify Controller, Identify Namespace
 * and the SMART / Health Information log page (NVMe Base Specification 2.0, §5.17, §5.16.1.3).
 */
final class Nvme {

    /** _IOWR('N', 0x41, struct nvme_admin_cmd). */
    static final long NVME_IOCTL_ADMIN_CMD = 0xC0484E41L;
    static final int CMD_SIZE = 72;
    static final int OPC_GET_LOG_PAGE = 0x02;
    static final int OPC_IDENTIFY = 0x06;
    static final int CNS_NAMESPACE = 0x00;
    static final int CNS_CONTROLLER = 0x01;
    static final int LID_SMART = 0x02;
    static final int IDENTIFY_SIZE = 4096;
    static final int SMART_SIZE = 512;
    static final int NSID_ALL = 0xFFFFFFFF;

    private Nvme() {
    }

    /** An admin command ready for the ioctl; {@code dataAddress} is the native address of the data buffer. */
    static ByteBuffer adminCommand(int opcode, int nsid, long dataAddress, int dataLength, int cdw10, int cdw11) {
        ByteBuffer b = ByteBuffer.allocateDirect(CMD_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, (byte) opcode);
        b.putInt(4, nsid);
        b.putLong(24, dataAddress);
        b.putInt(36, dataLength);
        b.putInt(40, cdw10);
        b.putInt(44, cdw11);
        b.putInt(64, 5000); // timeout_ms
        return b;
    }

    static ByteBuffer identifyController(long dataAddress) {
        return adminCommand(OPC_IDENTIFY, 0, dataAddress, IDENTIFY_SIZE, CNS_CONTROLLER, 0);
    }

    static ByteBuffer identifyNamespace(int nsid, long dataAddress) {
        return adminCommand(OPC_IDENTIFY, nsid, dataAddress, IDENTIFY_SIZE, CNS_NAMESPACE, 0);
    }

    /** Get Log Page, SMART / Health Information: NUMDL = dwords - 1 in CDW10 bits 31:16. */
    static ByteBuffer smartLog(long dataAddress) {
        int numdl = SMART_SIZE / 4 - 1;
        return adminCommand(OPC_GET_LOG_PAGE, NSID_ALL, dataAddress, SMART_SIZE, LID_SMART | (numdl << 16), 0);
    }

    record Controller(int vendorId, String serial, String model, String firmware, int namespaces) {
    }

    record Namespace(long sizeBlocks, long capacityBlocks, long usedBlocks, int lbaBytes) {
    }

    static Controller parseController(ByteBuffer data) {
        ByteBuffer d = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        return new Controller(Short.toUnsignedInt(d.getShort(0)), ascii(d, 4, 20), ascii(d, 24, 40), ascii(d, 64, 8),
                d.getInt(516));
    }

    static Namespace parseNamespace(ByteBuffer data) {
        ByteBuffer d = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int format = Byte.toUnsignedInt(d.get(26)) & 0x0F;
        int lbaf = d.getInt(128 + 4 * format);
        int lbads = (lbaf >>> 16) & 0xFF;
        return new Namespace(d.getLong(0), d.getLong(8), d.getLong(16), 1 << lbads);
    }

    /** SMART / Health log as named attributes (128-bit counters saturate at Long.MAX_VALUE). */
    static Map<String, Long> parseSmart(ByteBuffer data) {
        ByteBuffer d = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("critical_warning", (long) Byte.toUnsignedInt(d.get(0)));
        m.put("temperature_celsius", (long) Short.toUnsignedInt(d.getShort(1)) - 273);
        m.put("available_spare_percent", (long) Byte.toUnsignedInt(d.get(3)));
        m.put("available_spare_threshold_percent", (long) Byte.toUnsignedInt(d.get(4)));
        m.put("percentage_used", (long) Byte.toUnsignedInt(d.get(5)));
        m.put("data_units_read", u128(d, 32));
        m.put("data_units_written", u128(d, 48));
        m.put("host_read_commands", u128(d, 64));
        m.put("host_write_commands", u128(d, 80));
        m.put("controller_busy_minutes", u128(d, 96));
        m.put("power_cycles", u128(d, 112));
        m.put("power_on_hours", u128(d, 128));
        m.put("unsafe_shutdowns", u128(d, 144));
        m.put("media_errors", u128(d, 160));
        m.put("error_log_entries", u128(d, 176));
        return m;
    }

    private static long u128(ByteBuffer d, int offset) {
        long low = d.getLong(offset);
        long high = d.getLong(offset + 8);
        return high != 0 || low < 0 ? Long.MAX_VALUE : low;
    }

    private static String ascii(ByteBuffer d, int offset, int length) {
        byte[] b = new byte[length];
        d.get(offset, b);
        return new String(b, StandardCharsets.US_ASCII).strip();
    }
}
