package io.cairn.hal.linux.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Command encoding and data decoding checked against byte layouts from the NVMe Base Specification. */
class NvmeTest {

    @Test
    void ioctlNumberIsIowrN41OverA72ByteStruct() {
        long dirReadWrite = 3L << 30;
        long expected = dirReadWrite | (72L << 16) | ('N' << 8) | 0x41;
        assertThat(Nvme.NVME_IOCTL_ADMIN_CMD).isEqualTo(expected);
    }

    @Test
    void givenIdentifyController_thenStructFieldsAtUapiOffsets() {
        ByteBuffer cmd = Nvme.identifyController(0x1122334455667788L).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(cmd.capacity()).isEqualTo(72);
        assertThat(cmd.get(0)).isEqualTo((byte) 0x06); // opcode
        assertThat(cmd.getInt(4)).isZero(); // nsid
        assertThat(cmd.getLong(24)).isEqualTo(0x1122334455667788L); // addr
        assertThat(cmd.getInt(36)).isEqualTo(4096); // data_len
        assertThat(cmd.getInt(40)).isEqualTo(0x01); // cdw10: CNS controller
        assertThat(cmd.getInt(64)).isPositive(); // timeout_ms
    }

    @Test
    void givenSmartLogPage_thenGetLogPageWithNumdlAndAllNamespaces() {
        ByteBuffer cmd = Nvme.smartLog(4096).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(cmd.get(0)).isEqualTo((byte) 0x02);
        assertThat(cmd.getInt(4)).isEqualTo(0xFFFFFFFF);
        assertThat(cmd.getInt(36)).isEqualTo(512);
        assertThat(cmd.getInt(40) & 0xFF).isEqualTo(0x02); // LID
        assertThat(cmd.getInt(40) >>> 16).isEqualTo(127); // NUMDL = 512/4 - 1
        ByteBuffer ns = Nvme.identifyNamespace(1, 0).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(ns.getInt(4)).isEqualTo(1);
        assertThat(ns.getInt(40)).isZero(); // CNS namespace
    }

    @Test
    void givenIdentifyControllerData_thenParsed() {
        ByteBuffer d = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        d.putShort(0, (short) 0x144D); // VID (Samsung)
        put(d, 4, "S4EWNX0R123456      ");
        put(d, 24, padded("Samsung SSD 970 EVO Plus 1TB", 40));
        put(d, 64, "2B2QEXM7");
        d.putInt(516, 1); // NN
        Nvme.Controller c = Nvme.parseController(d);
        assertThat(c).isEqualTo(new Nvme.Controller(0x144D, "S4EWNX0R123456", "Samsung SSD 970 EVO Plus 1TB", "2B2QEXM7", 1));
    }

    @Test
    void givenIdentifyNamespaceData_thenLbaSizeFromFormattedLbaFormat() {
        ByteBuffer d = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        d.putLong(0, 1_953_525_168L); // NSZE
        d.putLong(8, 1_953_525_168L); // NCAP
        d.putLong(16, 12_345L); // NUSE
        d.put(25, (byte) 1); // NLBAF: two formats
        d.put(26, (byte) 1); // FLBAS: format 1 in use
        d.putInt(128, 9 << 16); // LBAF0: 512 B
        d.putInt(132, 12 << 16); // LBAF1: 4 KiB
        assertThat(Nvme.parseNamespace(d)).isEqualTo(new Nvme.Namespace(1_953_525_168L, 1_953_525_168L, 12_345L, 4096));
    }

    @Test
    void givenSmartLogData_thenNamedAttributes() {
        ByteBuffer d = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        d.put(0, (byte) 0x04); // critical warning: reliability degraded
        d.putShort(1, (short) 310); // 310 K = 37 °C
        d.put(3, (byte) 100);
        d.put(4, (byte) 10);
        d.put(5, (byte) 3);
        d.putLong(32, 1_000_000L);
        d.putLong(48, 2_000_000L);
        d.putLong(112, 42L);
        d.putLong(128, 8760L);
        d.putLong(144, 7L);
        d.putLong(160, 2L);
        d.putLong(176, 5L);
        d.putLong(56, 1L); // data units written high qword: saturates
        Map<String, Long> m = Nvme.parseSmart(d);
        assertThat(m).containsEntry("critical_warning", 4L).containsEntry("temperature_celsius", 37L)
                .containsEntry("available_spare_percent", 100L).containsEntry("available_spare_threshold_percent", 10L)
                .containsEntry("percentage_used", 3L).containsEntry("data_units_read", 1_000_000L)
                .containsEntry("data_units_written", Long.MAX_VALUE).containsEntry("power_cycles", 42L)
                .containsEntry("power_on_hours", 8760L).containsEntry("unsafe_shutdowns", 7L)
                .containsEntry("media_errors", 2L).containsEntry("error_log_entries", 5L);
    }

    @Test
    void givenRealNvmeController_whenIdentified_thenSerialAndSmartReadable() throws Exception {
        Path dev;
        try (Stream<Path> s = Files.list(Path.of("/dev"))) {
            dev = s.filter(p -> p.getFileName().toString().matches("nvme\\d+")).findFirst().orElse(null);
        }
        Assumptions.assumeTrue(dev != null, "no /dev/nvme* controller on this machine: the real-device check is skipped");
        NvmeDevice nvme = new NvmeDevice(dev.toString());
        assertThat(nvme.identifyController().serial()).isNotBlank();
        assertThat(nvme.smart()).containsKey("temperature_celsius");
    }

    private static void put(ByteBuffer d, int offset, String s) {
        d.put(offset, s.getBytes(StandardCharsets.US_ASCII));
    }

    private static String padded(String s, int len) {
        return String.format("%-" + len + "s", s);
    }
}
