package io.cairn.hal.qemu.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.cairn.common.clock.Clock;
import io.cairn.common.clock.ManualClock;
import io.cairn.hal.api.hypervisor.Accel;
import io.cairn.hal.api.hypervisor.Guest;
import io.cairn.hal.api.hypervisor.MachineSpec;

/**
 * Boots a real microvm guest: the Debian cloud kernel plus an initramfs whose static /init (built
 * here with gcc) prints a known line on the serial console. TCG, because under this machine's
 * nested KVM that kernel hangs right after "Probing EDD" (see readme).
 */
class QemuGuestTest {

    static final String READY = "CAIRN-GUEST-READY";

    @TempDir
    static Path tmp;
    static Path kernel;
    static Path initrd;

    @BeforeAll
    static void buildGuest() throws Exception {
        try (Stream<Path> s = Files.list(Path.of("/boot"))) {
            kernel = s.filter(p -> p.getFileName().toString().startsWith("vmlinuz-")).sorted().findFirst()
                    .orElseThrow(() -> new AssertionError("no guest kernel in /boot: run bin/setup hal (linux-image-cloud-amd64)"));
        }
        Path root = Files.createDirectories(tmp.resolve("initramfs/dev"));
        Path src = tmp.resolve("init.c");
        Files.writeString(src, """
                #include <stdio.h>
                #include <unistd.h>
                #include <sys/mount.h>
                int main(void) {
                  mount("devtmpfs", "/dev", "devtmpfs", 0, 0);
                  FILE *c = fopen("/dev/console", "w");
                  if (c) { fprintf(c, "%s\\n"); fflush(c); }
                  for (;;) pause();
                }
                """.formatted(READY));
        run("gcc", "-static", "-O2", "-o", root.getParent().resolve("init").toString(), src.toString());
        initrd = tmp.resolve("initrd.gz");
        run("bash", "-c", "cd " + root.getParent() + " && find . | cpio -o -H newc 2>/dev/null | gzip > " + initrd);
    }

    static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + out + " (run bin/setup hal for gcc, libc6-dev, cpio)").isZero();
    }

    private QemuHypervisor hypervisor(Clock clock) {
        return new QemuHypervisor(Path.of("/usr/bin/qemu-system-x86_64"), tmp.resolve("run"), Duration.ofSeconds(15), clock);
    }

    private MachineSpec spec(String name, String machine, Path kernel) {
        return new MachineSpec(name, machine, Accel.TCG, 1, 128, kernel, initrd, "console=ttyS0 quiet panic=-1", List.of(),
                List.of(), tmp.resolve(name + "-serial.log"));
    }

    /**
     * Boots until the serial line appears. Under TCG on this 2-core VM the Debian kernel stalls in
     * early timer set-up in roughly one boot out of seven (seen by hand too, independent of Cairn);
     * a stalled attempt (45 s, generous for a loaded CI machine) is torn down and retried, at most four times.
     */
    private Guest bootUntilReady(String name, Path serial) throws Exception {
        for (int attempt = 1; attempt <= 4; attempt++) {
            Files.deleteIfExists(serial);
            Guest guest = realClockHypervisor().launch(spec(name, "microvm", kernel));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
            while (System.nanoTime() < deadline) {
                if (Files.exists(serial) && Files.readString(serial).contains(READY)) {
                    return guest;
                }
                Thread.sleep(100);
            }
            guest.stop(Duration.ofSeconds(10));
        }
        throw new AssertionError("guest never printed " + READY + " in 4 boots; serial: " + Files.readString(serial));
    }

    @Test
    void givenTinyGuest_whenBooted_thenSerialLineQmpControlAndCleanTeardown() throws Exception {
        Guest guest = bootUntilReady("g1", tmp.resolve("g1-serial.log"));
        long pid = guest.pid();
        try {
            assertThat(guest.status()).isEqualTo("running");
            guest.pause();
            assertThat(guest.status()).isEqualTo("paused");
            guest.resume();
            assertThat(guest.status()).isEqualTo("running");
            assertThat(guest.execute("query-version", Map.of()).toString()).contains("qemu");
            assertThat(guest.migrationStatus()).isIn("none", "setup");
            assertThatThrownBy(() -> guest.removeDevice("no-such-device")).hasMessageContaining("QEMU refused");
            guest.powerdown(); // accepted; this init ignores the ACPI button, so teardown is quit
        } finally {
            guest.stop(Duration.ofSeconds(10));
        }
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("no QEMU left behind").isFalse();
        assertThat(tmp.resolve("run/g1/qmp.sock")).doesNotExist();
    }

    @Test
    void givenBadInput_thenClearErrors() {
        assertThatThrownBy(() -> hypervisor(new ManualClock()).launch(spec("g2", "microvm", tmp.resolve("no-such-kernel"))))
                .hasMessageContaining("boot file").hasMessageContaining("no-such-kernel");
        assertThatThrownBy(() -> realClockHypervisor().launch(spec("g3", "no-such-machine", kernel)))
                .hasMessageContaining("QEMU refused to start guest 'g3'").hasMessageContaining("no-such-machine");
        assertThatThrownBy(() -> spec("bad name!", "microvm", kernel)).hasMessageContaining("guest name 'bad name!'");
    }

    /** Real time for the launch deadline (the provider itself only sees the Clock interface). */
    private QemuHypervisor realClockHypervisor() {
        return hypervisor(new Clock() {
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
                throw new UnsupportedOperationException("not used by the hypervisor");
            }

            @Override
            public void sleep(Duration d) throws InterruptedException {
                Thread.sleep(d);
            }
        });
    }
}
