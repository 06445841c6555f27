package io.cairn.hal.ipmi.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.common.clock.Clock;
import io.cairn.hal.api.bmc.Bmc;
import io.cairn.hal.api.bmc.BmcException;
import io.cairn.hal.api.bmc.BmcException.Reason;
import io.cairn.hal.api.bmc.BootDevice;
import io.cairn.hal.api.bmc.FruInfo;
import io.cairn.hal.api.bmc.PowerState;
import io.cairn.hal.api.bmc.SensorReading;
import io.cairn.hal.api.bmc.SensorState;

/**
 * Against OpenIPMI's ipmi_sim on loopback, whose chassis power starts and stops a real server process,
 * cross-checked with {@code ipmitool -I lanplus -C 3}.
 */
class IpmiSimTest {

    @TempDir
    static Path tmp;
    static IpmiSim sim;

    @BeforeAll
    static void startSim() throws Exception {
        // the "server": writes its pid like bin/cairn node start does, then runs until stopped
        sim = IpmiSim.start(tmp.resolve("sim"), "echo $$ > node.pid; exec sleep 600");
    }

    @AfterAll
    static void stopSim() throws Exception {
        if (sim != null) {
            sim.close();
        }
    }

    static IpmiConnector connector(Duration timeout, int retries) {
        return new IpmiConnector(timeout, retries, Privilege.ADMINISTRATOR, RealClock.INSTANCE);
    }

    private static Bmc bmc() throws BmcException {
        return connector(Duration.ofMillis(1000), 3).connect("127.0.0.1", sim.port, IpmiSim.USER, sim.password.toCharArray());
    }

    /** Polls {@code condition} for at most 10 s. */
    private static boolean await(Callable<Boolean> condition) throws Exception {
        for (int i = 0; i < 100; i++) {
            if (condition.call()) {
                return true;
            }
            Thread.sleep(100);
        }
        return condition.call();
    }

    private static void ensureOff(Bmc bmc) throws Exception {
        bmc.powerOff();
        assertThat(await(() -> bmc.powerState() == PowerState.OFF && sim.server().isEmpty())).isTrue();
    }

    @Test
    void givenSimulatedServer_whenPoweredOnAndOffOverRmcpPlus_thenServerProcessAndIpmitoolAgree() throws Exception {
        Bmc bmc = bmc();
        assertThat(bmc.address()).isEqualTo("ipmi://127.0.0.1:" + sim.port);
        ensureOff(bmc);
        assertThat(sim.ipmitool("chassis", "power", "status")).contains("Chassis Power is off");

        bmc.powerOn();
        assertThat(await(() -> bmc.powerState() == PowerState.ON && sim.server().isPresent())).isTrue();
        long pid = sim.server().orElseThrow().pid();
        assertThat(sim.ipmitool("chassis", "power", "status")).contains("Chassis Power is on");
        bmc.powerOn(); // already on: the same server keeps running
        assertThat(sim.server().orElseThrow().pid()).isEqualTo(pid);

        bmc.powerOff();
        assertThat(await(() -> bmc.powerState() == PowerState.OFF)).isTrue();
        assertThat(sim.server()).as("power off stopped the server process").isEmpty();
        assertThat(IpmiSim.running(pid)).isFalse();
        assertThat(sim.ipmitool("chassis", "power", "status")).contains("Chassis Power is off");

        assertThat(sim.ipmitool("chassis", "power", "on")).contains("Up/On"); // and the other way round
        assertThat(await(() -> bmc.powerState() == PowerState.ON && sim.server().isPresent())).isTrue();
        ensureOff(bmc);
        assertThat(sim.calls()).contains("set power 1", "set power 0", "get power");
    }

    @Test
    void givenRunningServer_whenCycledResetAndSoftOff_thenServerRestartsAndStops() throws Exception {
        Bmc bmc = bmc();
        ensureOff(bmc);
        bmc.powerOn();
        assertThat(await(() -> sim.server().isPresent())).isTrue();
        long first = sim.server().orElseThrow().pid();

        bmc.powerCycle(); // ipmi_sim: power off now, power on after one second
        assertThat(await(() -> sim.server().map(p -> p.pid() != first).orElse(false))).as("a new server after the cycle").isTrue();
        long second = sim.server().orElseThrow().pid();

        bmc.reset();
        assertThat(await(() -> sim.server().map(p -> p.pid() != second).orElse(false))).as("a new server after reset").isTrue();

        bmc.softOff(); // the server gets SIGTERM and goes away by itself
        assertThat(await(() -> bmc.powerState() == PowerState.OFF)).isTrue();
        assertThat(sim.calls()).contains("set reset 1", "set shutdown 1");
        ensureOff(bmc);
    }

    @Test
    void givenBootDevice_whenSetByEitherClient_thenTheOtherReadsItBack() throws Exception {
        Bmc bmc = bmc();
        bmc.setBootDevice(BootDevice.PXE, false);
        assertThat(sim.ipmitool("chassis", "bootparam", "get", "5")).contains("Boot Device Selector : Force PXE");
        assertThat(bmc.bootDevice()).isEqualTo(BootDevice.PXE);

        bmc.setBootDevice(BootDevice.BIOS, true);
        assertThat(sim.ipmitool("chassis", "bootparam", "get", "5")).contains("Force Boot into BIOS Setup");
        assertThat(bmc.bootDevice()).isEqualTo(BootDevice.BIOS);

        assertThat(sim.ipmitool("chassis", "bootdev", "cdrom")).contains("Set Boot Device to cdrom");
        assertThat(bmc.bootDevice()).isEqualTo(BootDevice.CDROM);
        assertThat(sim.calls()).contains("set boot pxe", "set boot bios", "set boot cdrom");
    }

    @Test
    void givenLanAddress_whenSetByEitherClient_thenTheOtherReadsItBack() throws Exception {
        Bmc bmc = bmc();
        bmc.setLanAddress((java.net.Inet4Address) InetAddress.getByName("198.18.20.7"));
        String lan = sim.ipmitool("lan", "print", "1");
        assertThat(lan).containsPattern("IP Address Source +: Static Address").containsPattern("IP Address +: 198\\.18\\.20\\.7");
        assertThat(bmc.lanAddress().getHostAddress()).isEqualTo("198.18.20.7");

        assertThat(sim.ipmitool("lan", "set", "1", "ipaddr", "198.18.20.9")).contains("Setting LAN IP Address to 198.18.20.9");
        assertThat(bmc.lanAddress().getHostAddress()).isEqualTo("198.18.20.9");
    }

    @Test
    void givenSensorsInTheSim_whenRead_thenReadingsMatchIpmitool() throws Exception {
        List<SensorReading> sensors = bmc().sensors();
        Map<String, SensorReading> byName = sensors.stream().collect(Collectors.toMap(SensorReading::name, Function.identity()));
        assertThat(byName).containsOnlyKeys("CPU Temp", "Fan 1", "12V", "Inlet Temp", "PSU 1");

        assertThat(byName.get("CPU Temp")).satisfies(s -> {
            assertThat(s.type()).isEqualTo("Temperature");
            assertThat(s.value()).hasValue(45.0);
            assertThat(s.unit()).isEqualTo("degrees C");
            assertThat(s.state()).isEqualTo(SensorState.OK);
        });
        assertThat(byName.get("Fan 1").value()).hasValue(3200.0);
        assertThat(byName.get("Fan 1").unit()).isEqualTo("RPM");
        assertThat(byName.get("12V").value()).hasValue(12.0);
        assertThat(byName.get("12V").unit()).isEqualTo("Volts");
        assertThat(byName.get("Inlet Temp").value()).hasValue(117.0);
        assertThat(byName.get("Inlet Temp").state()).isEqualTo(SensorState.WARNING);
        assertThat(byName.get("Inlet Temp").detail()).isEqualTo("upper non-critical");
        assertThat(byName.get("PSU 1")).satisfies(s -> {
            assertThat(s.type()).isEqualTo("Power Supply");
            assertThat(s.value()).isEmpty();
            assertThat(s.detail()).isEqualTo("Presence detected");
            assertThat(s.state()).isEqualTo(SensorState.OK);
        });

        String elist = sim.ipmitool("sdr", "elist");
        assertThat(elist).contains("45 degrees C", "3200 RPM", "12 Volts", "117 degrees C", "Presence detected");
        assertThat(sim.ipmitool("sdr", "list")).containsPattern("Inlet Temp\\s+\\| 117 degrees C\\s+\\| nc");
    }

    @Test
    void givenFruInTheSim_whenInventoryRead_thenItMatchesIpmitoolFruPrint() throws Exception {
        FruInfo fru = bmc().inventory();
        assertThat(fru.manufacturer()).isEqualTo("Cairn Labs");
        assertThat(fru.product()).isEqualTo("Cairn Node");
        assertThat(fru.serial()).isEqualTo("SN-12345");
        assertThat(fru.partNumber()).isEqualTo("PN-100");
        assertThat(fru.fields()).containsEntry("board.serialNumber", "BRD-0042")
                .containsEntry("board.product", "CN-MB1").containsEntry("product.version", "v1")
                .containsEntry("product.assetTag", "tag-9");

        String print = sim.ipmitool("fru", "print", "0");
        assertThat(print).containsPattern("Product Serial\\s+: SN-12345").containsPattern("Board Serial\\s+: BRD-0042")
                .containsPattern("Product Manufacturer\\s+: Cairn Labs").containsPattern("Product Part Number\\s+: PN-100");
    }

    @Test
    void givenWrongPasswordOrUser_thenAuthenticationErrorSaysWhich() {
        assertThatThrownBy(() -> connector(Duration.ofMillis(500), 1).connect("127.0.0.1", sim.port, IpmiSim.USER,
                "wrong".toCharArray())).isInstanceOfSatisfying(BmcException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.AUTHENTICATION))
                .hasMessageContaining("authentication failed for user 'cairn'").hasMessageContaining("wrong password");
        assertThatThrownBy(() -> connector(Duration.ofMillis(500), 1).connect("127.0.0.1", sim.port, "nobody",
                sim.password.toCharArray())).isInstanceOfSatisfying(BmcException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.AUTHENTICATION))
                .hasMessageContaining("unknown user 'nobody'");
        assertThatThrownBy(() -> connector(Duration.ofMillis(500), 1).connect("127.0.0.1", sim.port, IpmiSim.USER,
                "this-password-is-longer-than-20".toCharArray())).hasMessageContaining("at most 20 bytes");
    }

    @Test
    void givenNothingListening_thenUnreachableErrorQuickly() throws Exception {
        int port;
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        long start = System.nanoTime();
        assertThatThrownBy(() -> connector(Duration.ofMillis(200), 2).connect("127.0.0.1", port, IpmiSim.USER,
                sim.password.toCharArray())).isInstanceOfSatisfying(BmcException.class,
                        e -> assertThat(e.reason()).isIn(Reason.UNREACHABLE, Reason.TIMEOUT))
                .hasMessageContaining("BMC 127.0.0.1:" + port);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("bounded by 3 tries of 200 ms").isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void givenBmcThatNeverAnswers_thenTimeoutErrorAfterTheRetries() throws Exception {
        try (DatagramSocket blackHole = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> connector(Duration.ofMillis(200), 2).connect("127.0.0.1", blackHole.getLocalPort(),
                    IpmiSim.USER, sim.password.toCharArray())).isInstanceOfSatisfying(BmcException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.TIMEOUT))
                    .hasMessageContaining("no answer to Get Channel Authentication Capabilities after 3 tries of 200 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        }
    }

    /** The provider only sees the Clock interface; tests against a real BMC need real time. */
    enum RealClock implements Clock {
        INSTANCE;

        @Override
        public java.time.Instant now() {
            return java.time.Instant.now();
        }

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public io.cairn.common.clock.Timer schedule(Duration delay, Runnable task) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void sleep(Duration duration) throws InterruptedException {
            Thread.sleep(duration);
        }
    }
}
