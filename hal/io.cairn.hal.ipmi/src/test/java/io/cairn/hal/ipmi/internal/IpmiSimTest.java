package io.cairn.hal.ipmi.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.hal.api.bmc.Bmc;
import io.cairn.hal.api.bmc.PowerState;

/**
 * Against OpenIPMI's ipmi_sim on loopback, whose chassis power starts and stops a real process
 * (startcmd), cross-checked with {@code ipmitool -I lanplus -C 3}.
 */
class IpmiSimTest {

    static final int PORT = 19623;
    static final String USER = "cairn";
    static final String PASSWORD = "s3cret-pw";

    @TempDir
    static Path tmp;
    static Process sim;
    static Path marker;

    @BeforeAll
    static void startSim() throws Exception {
        marker = tmp.resolve("server.pid");
        Path conf = tmp.resolve("lan.conf");
        Files.writeString(conf, """
                name "cairnsim"
                set_working_mc 0x20
                  startlan 1
                    addr 127.0.0.1 %d
                    priv_limit admin
                    allowed_auths_callback none md2 md5 straight
                    allowed_auths_user none md2 md5 straight
                    allowed_auths_operator none md2 md5 straight
                    allowed_auths_admin none md2 md5 straight
                    guid a123456789abcdefa123456789abcdef
                  endlan
                  serial 15 127.0.0.1 %d codec VM ipmb 0x20
                  startcmd "bash -c 'echo $$ > %s; exec sleep 600'"
                  startnow false
                  poweroff_wait 1
                  kill_wait 2
                  user 2 true "%s" "%s" admin 10 none md2 md5 straight
                """.formatted(PORT, PORT + 1, marker, USER, PASSWORD));
        StringBuilder fru = new StringBuilder();
        for (byte b : fruData("Cairn Labs", "Sim Board", "SN-0042", "PN-7")) {
            fru.append(String.format(" 0x%02x", b));
        }
        Files.writeString(tmp.resolve("sim.emu"), """
                mc_setbmc 0x20
                mc_add 0x20 0 no-device-sdrs 0x23 9 8 0xc9 0x1291 0xf02 persist_sdr
                mc_add_fru_data 0x20 0 0x%x data%s
                mc_enable 0x20
                """.formatted(fru.toString().split(" 0x").length - 1, fru));
        if (!Files.isExecutable(Path.of("/usr/bin/ipmi_sim"))) {
            throw new AssertionError("ipmi_sim is not installed: run bin/setup hal");
        }
        sim = new ProcessBuilder("ipmi_sim", "-c", conf.toString(), "-f", tmp.resolve("sim.emu").toString(), "-n", "-s",
                tmp.resolve("state").toString()).redirectErrorStream(true).redirectOutput(tmp.resolve("sim.log").toFile())
                .start();
        for (int i = 0; i < 50 && !ipmitool("chassis", "power", "status").contains("Chassis Power"); i++) {
            Thread.sleep(100);
        }
    }

    /** FRU storage v1.0: common header + board info area with four 8-bit ASCII fields (test fixture). */
    static byte[] fruData(String mfg, String product, String serial, String part) {
        java.io.ByteArrayOutputStream board = new java.io.ByteArrayOutputStream();
        board.writeBytes(new byte[] {0x01, 0x00, 0x00, 0x00, 0x00, 0x00});
        for (String f : new String[] {mfg, product, serial, part, ""}) {
            byte[] b = f.getBytes(StandardCharsets.US_ASCII);
            board.write(0xC0 | b.length);
            board.writeBytes(b);
        }
        board.write(0xC1);
        while ((board.size() + 1) % 8 != 0) {
            board.write(0);
        }
        byte[] area = java.util.Arrays.copyOf(board.toByteArray(), board.size() + 1);
        area[1] = (byte) (area.length / 8);
        area[area.length - 1] = (byte) (-Fru.sum(area, 0, area.length - 1) & 0xFF);
        byte[] header = {0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00};
        header[7] = (byte) (-Fru.sum(header, 0, 7) & 0xFF);
        return RmcpPlusSession.cat(header, area);
    }

    @Test
    void givenFruData_whenInventoryRead_thenBoardFieldsMatchIpmitool() throws Exception {
        io.cairn.hal.api.bmc.FruInfo fru = bmc().inventory();
        assertThat(fru).isEqualTo(new io.cairn.hal.api.bmc.FruInfo("Cairn Labs", "Sim Board", "SN-0042", "PN-7"));
        String print = ipmitool("fru", "print", "0");
        assertThat(print).contains("Cairn Labs").contains("Sim Board").contains("SN-0042").contains("PN-7");
    }

    @AfterAll
    static void stopSim() throws Exception {
        if (sim != null) {
            sim.descendants().forEach(ProcessHandle::destroyForcibly);
            sim.destroyForcibly();
            sim.waitFor(10, TimeUnit.SECONDS);
        }
    }

    static String ipmitool(String... args) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("ipmitool", "-I", "lanplus", "-C", "3", "-H",
                "127.0.0.1", "-p", Integer.toString(PORT), "-U", USER, "-P", PASSWORD));
        cmd.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }

    private static Bmc bmc() throws Exception {
        return new IpmiConnector(Duration.ofMillis(500), 3).connect("127.0.0.1", PORT, USER, PASSWORD.toCharArray());
    }

    private static boolean serverAlive() throws Exception {
        if (!Files.exists(marker)) {
            return false;
        }
        String pid = Files.readString(marker).strip();
        return !pid.isEmpty() && ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
    }

    private static void await(java.util.concurrent.Callable<Boolean> condition) throws Exception {
        for (int i = 0; i < 100 && !condition.call(); i++) {
            Thread.sleep(100);
        }
    }

    @Test
    void givenSimulatedServer_whenPoweredOnAndOffOverRmcpPlus_thenProcessAndIpmitoolAgree() throws Exception {
        Bmc bmc = bmc();
        assertThat(bmc.address()).isEqualTo("ipmi://127.0.0.1:" + PORT);
        if (bmc.powerState() == PowerState.ON) {
            bmc.powerOff();
            await(() -> bmc.powerState() == PowerState.OFF);
        }
        assertThat(ipmitool("chassis", "power", "status")).contains("Chassis Power is off");

        bmc.powerOn();
        await(() -> bmc.powerState() == PowerState.ON && serverAlive());
        assertThat(bmc.powerState()).isEqualTo(PowerState.ON);
        assertThat(serverAlive()).as("power on started the simulated server's process").isTrue();
        assertThat(ipmitool("chassis", "power", "status")).contains("Chassis Power is on");

        bmc.powerOff();
        await(() -> bmc.powerState() == PowerState.OFF && !serverAlive());
        assertThat(ipmitool("chassis", "power", "status")).contains("Chassis Power is off");
        assertThat(serverAlive()).as("power off stopped it").isFalse();

        ipmitool("chassis", "power", "on"); // and the other way round
        await(() -> bmc.powerState() == PowerState.ON);
        assertThat(bmc.powerState()).isEqualTo(PowerState.ON);
        bmc.powerOff();
        await(() -> bmc.powerState() == PowerState.OFF);
    }

    /** ipmi_sim implements no boot options: our request and ipmitool's are refused alike, and the error says why. */
    @Test
    void givenBmcWithoutBootOptions_whenBootDeviceSet_thenRefusalIsReportedLikeIpmitoolSeesIt() throws Exception {
        assertThatThrownBy(() -> bmc().setBootDevice(io.cairn.hal.api.bmc.BootDevice.PXE, false))
                .hasMessageContaining("completion code 0xcc (invalid data field)");
        assertThat(ipmitool("chassis", "bootdev", "pxe")).contains("Invalid data field in request");
    }

    @Test
    void givenWrongPassword_thenAuthenticationErrorSaysSo() {
        assertThatThrownBy(() -> new IpmiConnector(Duration.ofMillis(500), 1).connect("127.0.0.1", PORT, USER,
                "wrong".toCharArray())).hasMessageContaining("authentication failed for user 'cairn'");
    }

    @Test
    void givenNothingListening_thenBoundedTimeoutError() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> new IpmiConnector(Duration.ofMillis(200), 2).connect("127.0.0.1", PORT + 7, USER,
                PASSWORD.toCharArray())).hasMessageContaining("BMC 127.0.0.1:" + (PORT + 7));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }
}
