package io.cairn.hal.api.hypervisor;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What to run: a direct-kernel boot ({@code kernel}, {@code initrd}, {@code append}) and/or disks,
 * with a machine type ({@code microvm}, {@code q35}), vCPUs, memory, NICs on tap devices, and the
 * file that receives the guest's serial console.
 */
public record MachineSpec(String name, String machine, Accel accel, int vcpus, int memoryMiB, Path kernel, Path initrd,
        String append, List<DiskSpec> disks, List<NicSpec> nics, Path serialLog) {

    public MachineSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(machine, "machine");
        Objects.requireNonNull(accel, "accel");
        Objects.requireNonNull(serialLog, "serialLog");
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")) {
            throw new IllegalArgumentException("guest name '" + name + "' must be 1-63 letters, digits, '.', '_' or '-'");
        }
        if (vcpus < 1 || memoryMiB < 16) {
            throw new IllegalArgumentException("guest '" + name + "' needs at least 1 vCPU and 16 MiB, not " + vcpus + " / "
                    + memoryMiB);
        }
        if (kernel == null && (disks == null || disks.isEmpty())) {
            throw new IllegalArgumentException("guest '" + name + "' needs a kernel or a disk to boot from");
        }
        disks = disks == null ? List.of() : List.copyOf(disks);
        nics = nics == null ? List.of() : List.copyOf(nics);
        append = append == null ? "" : append;
    }

    /** A disk: a file in a format QEMU reads ({@code raw}, {@code qcow2}), or any QEMU block URL. */
    public record DiskSpec(String id, String file, String format, boolean readOnly) {
    }

    /** A virtio NIC on an existing tap device. */
    public record NicSpec(String id, String tap, String mac) {
    }
}
