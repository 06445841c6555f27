package io.cairn.hal.qemu.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.cairn.common.clock.Clock;
import io.cairn.hal.api.hypervisor.Accel;
import io.cairn.hal.api.hypervisor.Guest;
import io.cairn.hal.api.hypervisor.Hypervisor;
import io.cairn.hal.api.hypervisor.MachineSpec;

/** Launches QEMU guests: one run directory per guest (QMP socket, QEMU's log), monitor over QMP. */
@Component(configurationPid = QemuHypervisor.PID)
@Designate(ocd = QemuHypervisor.Config.class)
public final class QemuHypervisor implements Hypervisor {

    static final String PID = "io.cairn.hal.qemu";

    @ObjectClassDefinition(name = "Cairn QEMU hypervisor")
    public @interface Config {
        @AttributeDefinition(description = "QEMU system emulator")
        String qemu_binary() default "/usr/bin/qemu-system-x86_64";

        @AttributeDefinition(description = "Per-guest run directories (QMP socket, logs)")
        String run_dir() default "/tmp/cairn-qemu";

        @AttributeDefinition(description = "Seconds QEMU may take to open its monitor, and each QMP command to answer")
        int timeout_seconds() default 15;
    }

    private final Path binary;
    private final Path runRoot;
    private final Duration timeout;
    private final Clock clock;

    @Activate
    public QemuHypervisor(Config config, @Reference Clock clock) {
        this(Path.of(config.qemu_binary()), Path.of(config.run_dir()), Duration.ofSeconds(config.timeout_seconds()), clock);
    }

    QemuHypervisor(Path binary, Path runRoot, Duration timeout, Clock clock) {
        this.binary = binary;
        this.runRoot = runRoot;
        this.timeout = timeout;
        this.clock = clock;
    }

    @Override
    public Guest launch(MachineSpec spec) throws IOException {
        if (!Files.isExecutable(binary)) {
            throw new IOException("QEMU is not installed at " + binary + "; run bin/setup hal");
        }
        for (Path f : new Path[] {spec.kernel(), spec.initrd()}) {
            if (f != null && !Files.isReadable(f)) {
                throw new IOException("guest '" + spec.name() + "': boot file " + f + " does not exist or is not readable");
            }
        }
        Path dir = runRoot.resolve(spec.name());
        Files.createDirectories(dir);
        Path socket = dir.resolve("qmp.sock");
        Files.deleteIfExists(socket);
        Path log = dir.resolve("qemu.log");
        Process p = new ProcessBuilder(arguments(spec, socket)).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        long deadline = clock.nanoTime() + timeout.toNanos();
        try {
            while (!Files.exists(socket)) {
                if (!p.isAlive()) {
                    throw new IOException("QEMU refused to start guest '" + spec.name() + "' (machine '" + spec.machine() + "'): "
                            + firstLines(log));
                }
                if (clock.nanoTime() > deadline) {
                    p.destroyForcibly();
                    throw new IOException("QEMU did not open its monitor for guest '" + spec.name() + "' within "
                            + timeout.toSeconds() + " s; log: " + log);
                }
                clock.sleep(Duration.ofMillis(20));
            }
            return new QemuGuest(spec.name(), p, new QmpClient(socket, timeout), dir);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new java.io.InterruptedIOException("interrupted while starting guest " + spec.name());
        } catch (IOException e) {
            p.destroyForcibly();
            throw e;
        }
    }

    List<String> arguments(MachineSpec spec, Path socket) {
        List<String> a = new ArrayList<>(List.of(binary.toString(), "-name", spec.name(), "-machine",
                spec.machine() + ",accel=" + accel(spec.accel()), "-smp", Integer.toString(spec.vcpus()), "-m",
                Integer.toString(spec.memoryMiB()), "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
                "-qmp", "unix:" + socket + ",server=on,wait=off", "-serial", "file:" + spec.serialLog()));
        if (spec.kernel() != null) {
            a.addAll(List.of("-kernel", spec.kernel().toString(), "-append", spec.append()));
        }
        if (spec.initrd() != null) {
            a.addAll(List.of("-initrd", spec.initrd().toString()));
        }
        String bus = spec.machine().startsWith("microvm") ? "device" : "pci"; // microvm has virtio-mmio only
        for (MachineSpec.DiskSpec d : spec.disks()) {
            a.addAll(List.of("-blockdev", "driver=file,node-name=" + d.id() + "-file,filename=" + d.file()
                    + (d.readOnly() ? ",read-only=on" : ""), "-blockdev", "driver=" + d.format() + ",node-name=" + d.id()
                            + ",file=" + d.id() + "-file", "-device", "virtio-blk-" + bus + ",drive=" + d.id()));
        }
        for (MachineSpec.NicSpec n : spec.nics()) {
            a.addAll(List.of("-netdev", "tap,id=" + n.id() + ",ifname=" + n.tap() + ",script=no,downscript=no", "-device",
                    "virtio-net-" + bus + ",netdev=" + n.id() + ",mac=" + n.mac()));
        }
        return a;
    }

    private static String accel(Accel accel) {
        return switch (accel) {
            case KVM -> "kvm";
            case TCG -> "tcg";
            case AUTO -> Files.isWritable(Path.of("/dev/kvm")) ? "kvm:tcg" : "tcg";
        };
    }

    private static String firstLines(Path log) {
        try {
            return String.join(" ", Files.readAllLines(log).stream().limit(3).toList());
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
