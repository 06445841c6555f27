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

import io.cairn.hal.api.bmc.PowerState;

class ProcessBmcTest {

    @TempDir
    Path tmp;

    @Test
    void givenChildServer_whenPoweredOnOffAndCycled_thenProcessFollows() throws Exception {
        ProcessBmc bmc = new ProcessBmc("n1", List.of("sleep", "60"), List.of(), Optional.empty(), tmp.resolve("n1.log"),
                Duration.ofSeconds(10));
        try {
            assertThat(bmc.powerState()).isEqualTo(PowerState.OFF);
            bmc.powerOn();
            assertThat(bmc.powerState()).isEqualTo(PowerState.ON);
            long first = bmc.server().orElseThrow().pid();
            bmc.powerOn(); // already on: nothing changes
            assertThat(bmc.server().orElseThrow().pid()).isEqualTo(first);
            bmc.powerCycle();
            long second = bmc.server().orElseThrow().pid();
            assertThat(second).isNotEqualTo(first);
            assertThat(ProcessHandle.of(first).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            bmc.powerOff();
            assertThat(bmc.powerState()).isEqualTo(PowerState.OFF);
            assertThat(ProcessHandle.of(second).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        } finally {
            bmc.powerOff();
        }
    }

    @Test
    void givenDaemonisingServer_whenPoweredOnAndOff_thenPidFileDecides() throws Exception {
        Path pid = tmp.resolve("server.pid");
        ProcessBmc bmc = new ProcessBmc("n2", List.of("bash", "-c", "setsid sleep 60 >/dev/null 2>&1 & echo $! > " + pid),
                List.of(), Optional.of(pid), tmp.resolve("n2.log"), Duration.ofSeconds(10));
        try {
            bmc.powerOn();
            assertThat(bmc.powerState()).isEqualTo(PowerState.ON);
            long server = Long.parseLong(Files.readString(pid).strip());
            assertThat(ProcessHandle.of(server).map(ProcessHandle::isAlive).orElse(false)).isTrue();
            bmc.powerOff();
            assertThat(bmc.powerState()).isEqualTo(PowerState.OFF);
            assertThat(ProcessHandle.of(server).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        } finally {
            bmc.powerOff();
        }
    }

    @Test
    void givenFailingStartCommand_thenPowerOnSaysWhereToLook() {
        Path pid = tmp.resolve("never.pid");
        ProcessBmc bmc = new ProcessBmc("n3", List.of("false"), List.of(), Optional.of(pid), tmp.resolve("n3.log"),
                Duration.ofSeconds(10));
        assertThatThrownBy(bmc::powerOn).hasMessageContaining("start command exited 1").hasMessageContaining("n3.log");
        assertThatThrownBy(() -> new ProcessBmc("n4", List.of(), List.of(), Optional.empty(), tmp.resolve("x"),
                Duration.ofSeconds(1))).hasMessageContaining("needs a start command");
    }
}
