package io.cairn.hal.sim.internal.bmc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.common.internal.SystemClock;
import io.cairn.hal.api.bmc.BmcException;
import io.cairn.hal.api.bmc.BootDevice;
import io.cairn.hal.api.bmc.PowerState;

class ProcessBmcTest {

    /** Real time: the BMC only sees the Clock interface. */
    private static final SystemClock CLOCK = SystemClock.withDefaults();

    @TempDir
    Path tmp;

    private ProcessBmc bmc(String name, List<String> start, Optional<Path> pidFile) {
        return new ProcessBmc(name, start, List.of(), pidFile, tmp.resolve(name + ".log"), Duration.ofSeconds(10),
                CLOCK);
    }

    private static boolean running(long pid) {
        return ProcessHandle.of(pid).map(ProcessBmc::running).orElse(false);
    }

    @Test
    void givenChildServer_whenPoweredOnOffAndCycled_thenProcessFollows() throws Exception {
        ProcessBmc bmc = bmc("n1", List.of("sleep", "60"), Optional.empty());
        try {
            assertThat(bmc.address()).isEqualTo("process:n1");
            assertThat(bmc.powerState()).isEqualTo(PowerState.OFF);
            bmc.powerOn();
            assertThat(bmc.powerState()).isEqualTo(PowerState.ON);
            long first = bmc.server().orElseThrow().pid();
            bmc.powerOn(); // already on: nothing changes
            assertThat(bmc.server().orElseThrow().pid()).isEqualTo(first);
            bmc.powerCycle();
            long second = bmc.server().orElseThrow().pid();
            assertThat(second).isNotEqualTo(first);
            assertThat(running(first)).isFalse();
            bmc.reset();
            assertThat(bmc.server().orElseThrow().pid()).isNotIn(first, second);
            bmc.powerOff();
            assertThat(bmc.powerState()).isEqualTo(PowerState.OFF);
            assertThat(running(second)).isFalse();
        } finally {
            bmc.powerOff();
        }
    }

    @Test
    void givenProcessBmc_whenItsLanAddressIsReadOrSet_thenUnsupportedSaysWhy() throws Exception {
        ProcessBmc bmc = bmc("n9", List.of("sleep", "60"), Optional.empty());
        assertThatThrownBy(bmc::lanAddress).isInstanceOf(BmcException.class).hasMessageContaining("has no LAN port")
                .extracting(e -> ((BmcException) e).reason()).isEqualTo(BmcException.Reason.UNSUPPORTED);
        assertThatThrownBy(() -> bmc.setLanAddress((java.net.Inet4Address) java.net.InetAddress.getByName("198.18.20.1")))
                .isInstanceOf(BmcException.class).extracting(e -> ((BmcException) e).reason())
                .isEqualTo(BmcException.Reason.UNSUPPORTED);
    }

    @Test
    void givenServerIgnoringSigterm_whenPoweredOff_thenKilledAfterGrace() throws Exception {
        ProcessBmc bmc = new ProcessBmc("stubborn", List.of("sh", "-c", "trap '' TERM; while :; do sleep 1; done"),
                List.of(), Optional.empty(), tmp.resolve("s.log"), Duration.ofMillis(300), CLOCK);
        try {
            bmc.powerOn();
            long pid = bmc.server().orElseThrow().pid();
            bmc.powerOff();
            assertThat(bmc.powerState()).isEqualTo(PowerState.OFF);
            assertThat(running(pid)).isFalse();
        } finally {
            bmc.server().ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void givenDaemonisingServer_whenPoweredOnAndOff_thenPidFileDecidesAndZombiesCountAsOff() throws Exception {
        Path pid = tmp.resolve("server.pid");
        // the daemon is reparented away from us: once killed it may linger as a zombie nobody reaps
        ProcessBmc bmc = bmc("n2", List.of("bash", "-c", "setsid sleep 60 >/dev/null 2>&1 & echo $! > " + pid),
                Optional.of(pid));
        try {
            bmc.powerOn();
            assertThat(bmc.powerState()).isEqualTo(PowerState.ON);
            long server = Long.parseLong(Files.readString(pid).strip());
            assertThat(running(server)).isTrue();
            bmc.softOff(); // SIGTERM, no wait
            for (int i = 0; i < 100 && bmc.powerState() == PowerState.ON; i++) {
                Thread.sleep(50);
            }
            assertThat(bmc.powerState()).isEqualTo(PowerState.OFF);
            assertThat(running(server)).isFalse();
            bmc.powerOn();
            assertThat(bmc.powerState()).isEqualTo(PowerState.ON);
            bmc.powerOff();
            assertThat(bmc.powerState()).isEqualTo(PowerState.OFF);
        } finally {
            bmc.powerOff();
        }
    }

    @Test
    void givenBootDevice_whenNotPersistent_thenForgottenAtNextPowerOn() throws Exception {
        ProcessBmc bmc = bmc("n5", List.of("sleep", "60"), Optional.empty());
        try {
            bmc.setBootDevice(BootDevice.PXE, false);
            assertThat(bmc.bootDevice()).isEqualTo(BootDevice.PXE);
            bmc.powerOn();
            assertThat(bmc.bootDevice()).isEqualTo(BootDevice.NONE);
            bmc.setBootDevice(BootDevice.DISK, true);
            bmc.powerCycle();
            assertThat(bmc.bootDevice()).isEqualTo(BootDevice.DISK);
            assertThat(bmc.sensors()).isEmpty();
            assertThat(bmc.inventory().serial()).isEqualTo("n5");
        } finally {
            bmc.powerOff();
        }
    }

    @Test
    void givenFailingStartCommand_thenPowerOnSaysWhereToLook() {
        Path pid = tmp.resolve("never.pid");
        ProcessBmc bmc = bmc("n3", List.of("false"), Optional.of(pid));
        assertThatThrownBy(bmc::powerOn).isInstanceOf(BmcException.class).hasMessageContaining("start command exited 1")
                .hasMessageContaining("n3.log");
        assertThatThrownBy(() -> bmc("n4", List.of(), Optional.empty())).hasMessageContaining("needs a start command");
        assertThatThrownBy(() -> bmc("n6", List.of("/no/such/binary"), Optional.empty()).powerOn())
                .isInstanceOf(BmcException.class).hasMessageContaining("cannot run the start command");
    }
}
